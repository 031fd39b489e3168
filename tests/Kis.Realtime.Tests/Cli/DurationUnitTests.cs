using Kis.Realtime.Cli;
using Kis.Realtime.Cli.Configuration;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>A duration needs its unit: <c>--duration 5</c> was five days (TimeSpan's reading), <c>--duration 30</c> "not a duration".</summary>
public sealed class DurationUnitTests
{
    [Theory]
    [InlineData("5")]
    [InlineData("30")]
    [InlineData("1.5")]
    [InlineData("0")]
    public void A_bare_number_is_not_a_duration(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData("stream --duration 5", "--duration", "5")]
    [InlineData("stream --duration 30", "--duration", "30")]
    [InlineData("record --out x --duration 5", "--duration", "5")]
    [InlineData("record --out x --status-interval 2", "--status-interval", "2")]
    [InlineData("bars --duration 5", "--duration", "5")]
    [InlineData("dashboard --duration 5", "--duration", "5")]
    [InlineData("sim --ping-interval 5", "--ping-interval", "5")]
    public async Task A_bare_number_is_refused_with_the_units_to_write(string command, string option, string number)
    {
        var stderr = new StringWriter();
        var exit = await KisrtApp.RunAsync(command.Split(' '), new StringWriter(), stderr).WaitAsync(CliTimeout);
        Assert.Equal(2, exit);
        var first = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].TrimEnd();
        Assert.Equal($"kisrt: {option}: '{number}' needs a unit: {number}s, {number}m or {number}h (or ms, or hh:mm:ss).", first);
    }
}
