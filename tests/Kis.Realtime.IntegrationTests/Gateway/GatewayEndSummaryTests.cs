using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>Issue #59 item 3: the gateway printed one more status line after its end summary; the summary ends the output.</summary>
public class GatewayEndSummaryTests
{
    private static string LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];

    [RabbitFact]
    public async Task The_end_summary_is_the_last_line_after_duration_and_after_ctrl_c()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint };

        // --duration: long enough for the gateway to run on a loaded machine (a stop while connecting has a one-line summary of its own)
        var timed = new WatchingWriter("holding H0UPCNT0 0001");
        var exit = await GatewayCommand.RunAsync(FastSimulator("index:0001"), options, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(15), Env(), timed,
            CancellationToken.None).WaitAsync(CliTimeout);
        Assert.Equal(0, exit);
        Assert.True(timed.Seen.Task.IsCompleted, "the gateway did not get to hold its key within --duration:\n" + timed);
        Assert.StartsWith("kisrt gateway: stopped after", LastLine(timed.ToString())); // failed before: the status line came after it

        // Ctrl+C, once the key is held
        var held = new WatchingWriter("holding H0UPCNT0 0001");
        using var ctrlC = new CancellationTokenSource(CliTimeout);
        var run = GatewayCommand.RunAsync(FastSimulator("index:0001"), options, TimeSpan.FromMilliseconds(200), null, Env(), held, ctrlC.Token);
        await Task.WhenAny(held.Seen.Task, run).Unwrap().WaitAsync(CliTimeout);
        await ctrlC.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(CliTimeout));
        var text = held.ToString();
        Assert.StartsWith("kisrt gateway: stopped after", LastLine(text));
        // The final figures still come, before the summary (the broker's state and republishes are what a loaded machine
        // made of its 0.5 s: a request connection not yet up reads "DISCONNECTED" there).
        Assert.True(Regex.IsMatch(text, @"overflowed 0, republished \d+, broker [^\n]*\n.*kisrt gateway: stopped after"), text);
    }
}
