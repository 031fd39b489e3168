using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, findings 2 and 3, end to end through the CLI's signal path: <c>kisrt gateway</c> as a child process gets SIGTERM
/// while the broker holds its publisher's confirms. It stops within the signal's grace (shortened to 12 s with
/// <c>KISRT_STOP_GRACE</c>; the product's is 30 s, whose stop the same path takes), prints its summary with the records
/// dropped at the stop's bound, and exits 3 (not 143: the grace ran out with no summary).
/// </summary>
[Collection(nameof(RecordKillTests))] // runs alone, as the other process tests
public sealed partial class GatewaySignalStopTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(12);

    [GeneratedRegex(@"received (?=\d+, confirmed (\d+))(\d+)")]
    private static partial Regex ConfirmedPattern();

    [GeneratedRegex(@"kisrt gateway: stopped after [0-9.]+ s \(run \S+\): received (\d+), confirmed (\d+).*dropped at the stop's bound (\d+)")]
    private static partial Regex SummaryPattern();

    [RabbitFact]
    public async Task SIGTERM_while_confirms_are_held_prints_the_dropped_count_and_exits_3_within_the_grace()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        var credential = new SimulatorCredential("PSsimGatewaySignalStopAppKey".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret,
            SimulatorOptions.DefaultHtsId);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Credentials = [credential], Pace = MarketPace.PerSecond(500) });
        var environment = new Dictionary<string, string> { ["KISRT_STOP_GRACE"] = Grace.TotalSeconds.ToString(CultureInfo.InvariantCulture) };
        await using var gateway = RecordKillTests.RecorderProcess.StartCommand(environment, "gateway", sim, credential, ConfirmedPattern(),
            "--amqp", proxy.Rewrite(broker.Endpoint.AmqpUri).ToString(), "--namespace", broker.Endpoint.Namespace, "--sub", "index:0001");
        await gateway.WaitUntilWrittenAsync(100).WaitAsync(CliTimeout); // records confirmed
        proxy.HoldRepliesTo("kisrt-gateway-publisher"); // the broker stores what comes; its confirms never reach the gateway
        await UntilAsync(() => gateway.LastReported is var (confirmed, received) && received - confirmed > 50, "records unconfirmed", CliTimeout);

        var clock = Stopwatch.StartNew();
        await gateway.TerminateAsync();
        var exit = await gateway.WaitForExitAsync().WaitAsync(CliTimeout);
        var took = clock.Elapsed;
        var text = gateway.Stderr;
        output.WriteLine($"exit {exit} after {took.TotalSeconds:0.00} s (grace {Grace.TotalSeconds:0} s)\n" +
                         string.Join('\n', text.Split('\n').TakeLast(4)));
        Assert.True(exit == 3, $"exit {exit} after {took.TotalSeconds:0.00} s: {text}");
        Assert.True(took < Grace, $"the stop took {took.TotalSeconds:0.00} s, grace {Grace.TotalSeconds:0} s");
        var summary = SummaryPattern().Match(text);
        Assert.True(summary.Success, text);
        var (received, confirmed, dropped) = (long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture),
            long.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture), long.Parse(summary.Groups[3].Value, CultureInfo.InvariantCulture));
        Assert.True(dropped > 0, $"nothing dropped at the stop's bound, though the confirms were held: {summary.Value}");
        Assert.Equal(received, confirmed + dropped); // nothing overflowed at 500 records/s
    }
}
