using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 76 (4): `kisrt sim` prints the simulator's warning for a subscription to an unlisted code, as
/// docs/simulator.md says. Failed before: kisrt sim gave the simulator no logger, so only /sim/status counted it.
/// </summary>
public sealed class SimWarningTests
{
    [Fact]
    public async Task Kisrt_sim_warns_on_standard_error_about_an_unlisted_code()
    {
        using var sim = KisrtProcess.Start(null, "sim", "--no-state", "--pace", "20");
        var ws = (await sim.WaitForLineAsync(l => l.TrimStart().StartsWith("WebSocket URL", StringComparison.Ordinal))).Split(':', 2)[1].Trim().Split(' ')[0];
        var rest = (await sim.WaitForLineAsync(l => l.TrimStart().StartsWith("REST base URL", StringComparison.Ordinal))).Split(':', 2)[1].Trim().Split(' ')[0];

        var variables = new Dictionary<string, string>
        {
            ["KIS_WS_URL"] = ws, ["KIS_REST_URL"] = rest,
            ["KIS_APP_KEY"] = SimulatorOptions.DefaultAppKey, ["KIS_APP_SECRET"] = SimulatorOptions.DefaultAppSecret,
        };
        var stderr = new StringWriter();
        // Stopped by the warning itself: the stream runs until the simulator has said it.
        using var stop = new CancellationTokenSource();
        var warned = sim.WaitForLineAsync(l => l.Contains("999999", StringComparison.Ordinal));
        var stream = StreamCommand.RunAsync(new ConnectionArgs { Subscriptions = ["stock:999999"] }, new StreamArgs { Format = "jsonl" },
            Env(variables), new MemoryStream(), stderr, stop.Token);
        var line = await warned;
        await stop.CancelAsync();
        await stream.WaitAsync(CliTimeout);

        Assert.StartsWith("kisrt: warn: Session ", line, StringComparison.Ordinal);
        Assert.Contains("H0STCNT0 999999: no market lists this code", line, StringComparison.Ordinal);
        Assert.Contains("`kisrt sim --list`", line, StringComparison.Ordinal);
        Assert.Contains(line, sim.Errors, StringComparison.Ordinal); // on standard error, beside the banner on standard output
    }
}
