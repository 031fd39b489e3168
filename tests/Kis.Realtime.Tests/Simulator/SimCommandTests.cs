using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>Option parsing of <c>kisrt sim</c>.</summary>
public sealed class SimCommandTests
{
    [Theory]
    [InlineData(null, PingAnswer.Any)]
    [InlineData("any", PingAnswer.Any)]
    [InlineData("TEXT", PingAnswer.TextEcho)]
    [InlineData("pong", PingAnswer.PongFrame)]
    public void Ping_answer_modes(string? text, PingAnswer expected) => Assert.Equal(expected, SimCommand.ParsePingAnswer(text));

    [Fact]
    public void An_unknown_ping_answer_is_a_usage_error()
    {
        var e = Assert.Throws<CliUsageException>(() => SimCommand.ParsePingAnswer("echo"));
        Assert.Contains("--ping-answer", e.Message);
    }

    [Theory]
    [InlineData(null, MarketClockMode.Demo)]
    [InlineData("demo", MarketClockMode.Demo)]
    [InlineData("LIVE", MarketClockMode.Live)]
    public void Clock_modes(string? text, MarketClockMode expected) => Assert.Equal(expected, SimCommand.ParseClock(text));

    [Fact]
    public void An_unknown_clock_is_a_usage_error() => Assert.Throws<CliUsageException>(() => SimCommand.ParseClock("wall"));

    [Fact]
    public void A_market_start_is_an_instant_with_its_offset()
    {
        Assert.Null(SimCommand.ParseMarketStart(null));
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 22, 25, 0, TimeSpan.FromHours(9)), SimCommand.ParseMarketStart("2026-03-09T22:25+09:00"));
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 13, 25, 0, TimeSpan.Zero), SimCommand.ParseMarketStart("2026-03-09T13:25Z"));
        // Without an offset the instant is ambiguous (KST? New York?): a usage error, not a guess.
        Assert.Contains("--market-start", Assert.Throws<CliUsageException>(() => SimCommand.ParseMarketStart("2026-03-09T22:25")).Message);
        Assert.Throws<CliUsageException>(() => SimCommand.ParseMarketStart("tomorrow"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void A_clock_speed_must_be_positive(double speed)
        => Assert.Throws<ArgumentException>(() => (SimulatorOptions.Default with { ClockSpeed = speed }).Validate());
}
