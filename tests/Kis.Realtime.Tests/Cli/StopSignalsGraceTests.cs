using Kis.Realtime.Cli.Hosting;

namespace Kis.Realtime.Tests.Cli;

/// <summary><c>KISRT_STOP_GRACE</c>: a process test may shorten a signal's grace; the product's stays 30 s.</summary>
public sealed class StopSignalsGraceTests
{
    [Theory]
    [InlineData(null, 30)]
    [InlineData("", 30)]
    [InlineData("soon", 30)]
    [InlineData("-5", 30)]
    [InlineData("12", 12)]
    [InlineData("3", 10)]
    [InlineData("600", 30)]
    public void The_grace_is_30_s_unless_asked_for_between_10_and_30(string? asked, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), StopSignals.GraceFrom(asked));

    [Fact]
    public void The_tests_own_grace_is_the_products() =>
        Assert.Equal(Environment.GetEnvironmentVariable("KISRT_STOP_GRACE") is null ? TimeSpan.FromSeconds(30) : StopSignals.Grace, StopSignals.Grace);
}
