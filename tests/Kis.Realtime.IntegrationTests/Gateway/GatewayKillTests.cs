using System.Text.RegularExpressions;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// <c>kisrt gateway</c> as a child process killed with SIGKILL while records flow, then started again on the same app
/// key: what it had reported confirmed is in the stream, and a consumer from the start sees every record once.
/// </summary>
[Collection(KisrtProcessCollection.Name)] // one kisrt process test at a time, beside the tests that wait
public partial class GatewayKillTests
{
    // Group 1: confirmed; group 2: received (RecorderProcess reads (Records, Raw) = (confirmed, received)).
    [GeneratedRegex(@"received (?=\d+, confirmed (\d+))(\d+)")]
    private static partial Regex ConfirmedPattern();

    [GeneratedRegex(@"kisrt gateway: run (\S+),")]
    private static partial Regex RunPattern();

    [RabbitFact]
    public async Task Killed_with_sigkill_the_gateway_loses_nothing_it_had_confirmed_and_a_restart_starts_a_new_run()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var credential = new SimulatorCredential("PSsimGatewayKillTestAppKey".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret,
            SimulatorOptions.DefaultHtsId);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Credentials = [credential], Pace = MarketPace.PerSecond(2_000) });
        string[] gateway = ["--amqp", broker.Endpoint.AmqpUri.ToString(), "--namespace", broker.Endpoint.Namespace, "--sub", "index:0001"];

        // The first gateway: killed at a random point once records are confirmed.
        var target = Random.Shared.Next(1, 3_000);
        string killedRun;
        long reportedConfirmed;
        await using (var killed = RecordKillTests.RecorderProcess.StartCommand("gateway", sim, credential, ConfirmedPattern(), gateway))
        {
            await killed.WaitUntilWrittenAsync(target).WaitAsync(CliTimeout);
            killed.Kill();
            await killed.WaitForExitAsync().WaitAsync(CliTimeout);
            reportedConfirmed = killed.LastReported.Records;
            killedRun = RunPattern().Match(killed.Stderr).Groups[1].Value;
            Assert.True(reportedConfirmed >= target, killed.Stderr);
            Assert.NotEqual("", killedRun);
        }

        // The same app key again at once: the simulator saw the killed session's socket close, as KIS does.
        var consumed = new List<KisRecord>();
        using var stopConsumer = new CancellationTokenSource();
        // Stopped by SIGTERM once it has run a while, never by --duration: that clock starts with the process, and on a
        // loaded machine the standby wait and the start used all of it ("stopped while connecting to the broker, before
        // the gateway ran", exit 0, and this test failed on "exited early").
        await using var restarted = RecordKillTests.RecorderProcess.StartCommand("gateway", sim, credential, ConfirmedPattern(), gateway);
        await restarted.WaitUntilWrittenAsync(1).WaitAsync(CliTimeout);
        // A consumer from the first record of the stream, while the new gateway answers its request.
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default
            with { Endpoint = broker.Endpoint, Start = GatewayStart.First, ConsumerId = "replay" });
        var consuming = Task.Run(async () =>
        {
            await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").WithCancellation(stopConsumer.Token))
                lock (consumed) consumed.Add(record);
        });
        // The consumer's subscribe answered (its first record in) before the stop, then about 2 s more of records.
        await UntilAsync(() => { lock (consumed) return consumed.Count > 0 || consuming.IsCompleted; }, "the consumer's first record", CliTimeout);
        if (consuming.IsCompleted) await consuming; // its error, rather than an empty list below
        await restarted.WaitUntilWrittenAsync(restarted.LastReported.Records + 4_000).WaitAsync(CliTimeout);
        await restarted.TerminateAsync();
        Assert.Equal(0, await restarted.WaitForExitAsync().WaitAsync(CliTimeout));
        var (newConfirmed, newReceived) = restarted.LastReported;
        var newRun = RunPattern().Match(restarted.Stderr).Groups[1].Value;
        Assert.Equal(newReceived, newConfirmed);
        Assert.NotEqual(killedRun, newRun);

        // The stream: the killed run without a gap from 1 up to at least what it reported confirmed; the new run 1..N.
        var stream = await broker.ReadStreamWithRunsAsync("H0UPCNT0",
            list => list.Where(r => r.Run == newRun).Select(r => r.Seq).Distinct().Count() >= newReceived);
        var killedSeqs = stream.Where(r => r.Run == killedRun).Select(r => r.Seq).Distinct().Order().ToList();
        Assert.True(killedSeqs.Count >= reportedConfirmed,
            $"{killedSeqs.Count} records of the killed run in the stream, {reportedConfirmed} reported confirmed");
        Assert.Equal(Enumerable.Range(1, killedSeqs.Count).Select(i => (long)i), killedSeqs);
        Assert.Equal(Enumerable.Range(1, (int)newReceived).Select(i => (long)i), stream.Where(r => r.Run == newRun).Select(r => r.Seq).Distinct().Order());
        Assert.Equal([killedRun, newRun], stream.Select(r => r.Run).Distinct());

        // The consumer from the start: every record of both runs once, in stream order.
        var expected = stream.DistinctBy(r => (r.Run, r.Seq)).Select(r => System.Text.Encoding.ASCII.GetString(r.Body)).ToList();
        await UntilAsync(() => { lock (consumed) return consumed.Count >= expected.Count || consuming.IsCompleted; },
            $"{expected.Count} records at the consumer");
        stopConsumer.Cancel();
        lock (consumed) Assert.Equal(expected, consumed.Take(expected.Count).Select(r => System.Text.Encoding.ASCII.GetString(r.Data.Span)));
        lock (consumed) Assert.Equal(expected.Count, consumed.Count);
    }
}
