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
}
