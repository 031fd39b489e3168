using System.Diagnostics;
using System.Text.RegularExpressions;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// <c>kisrt gateway --fleet</c> as three child processes sharing four app keys (a credentials file) and a universe file of
/// 123 index keys (three shards of 41, and the claims shard of the spare key); the holder of a universe shard killed
/// with SIGKILL while records flow. The survivors serve its shards within the documented time, no record is published
/// twice (each key's runs follow one another, seq rising within each), and a consumer of a moved key is told the gap.
/// </summary>
[Collection(FleetProcessCollection.Name)] // one fleet at a time, beside the tests that wait
public partial class GatewayFleetKillTests(ITestOutputHelper output)
{
    /// <summary>docs/gateway.md, Fleet: a killed process's shards are served again within this.</summary>
    private static readonly TimeSpan MoveTarget = TimeSpan.FromSeconds(10);

    [GeneratedRegex(@"registrations (\d+),")]
    private static partial Regex RegistrationsPattern();

    [RabbitFact]
    public async Task Killed_with_sigkill_a_fleet_process_hands_its_shards_to_the_others_with_nothing_published_twice()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var keys = Enumerable.Range(0, 4)
            .Select(i => new SimulatorCredential(("PSsimFleetKill" + i).PadRight(36, '0'), SimulatorOptions.DefaultAppSecret,
                SimulatorOptions.DefaultHtsId)).ToList();
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Credentials = keys, Pace = MarketPace.PerSecond(10) });
        var folder = Directory.CreateTempSubdirectory("kisrt-fleet-");
        var universe = Enumerable.Range(1, 123).Select(i => i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var files = await FleetProcesses.WriteFilesAsync(folder.FullName, keys, universe.Select(k => $"index:{k}")); // three shards of 41
        var processes = new Dictionary<string, RecordKillTests.RecorderProcess>();
        try
        {
            foreach (var name in new[] { "a", "b", "c" })
                processes[name] = FleetProcesses.Start(sim, keys[0], broker.Endpoint.AmqpUri, broker.Endpoint.Namespace, name, files);
            string[] all = ["0", "1", "2", KisGatewayFleet.ClaimsShardName];
            // Balanced: four shards over three processes, at most two each.
            try
            {
                await UntilAsync(() => FleetProcesses.Covered(processes.Values, all, 3) && processes.Values.All(p => FleetProcesses.Held(p).Count <= 2),
                    "every shard held once by three live processes", CliTimeout);
            }
            catch (TimeoutException)
            {
                foreach (var (name, process) in processes) output.WriteLine($"--- {name}:\n{process.Stderr[Math.Max(0, process.Stderr.Length - 3000)..]}");
                throw;
            }

            var victim = processes.First(p => FleetProcesses.Held(p.Value).Any(s => s != KisGatewayFleet.ClaimsShardName));
            var moved = FleetProcesses.Held(victim.Value).Where(s => s != KisGatewayFleet.ClaimsShardName).ToList();
            var movedKey = universe[int.Parse(moved[0], System.Globalization.CultureInfo.InvariantCulture) * 41];
            await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, ConsumerId = "desk" });
            var gaps = new List<GatewayGap>();
            consumer.RunGapDetected += (_, gap) => { lock (gaps) gaps.Add(gap); };
            using var stopReading = new CancellationTokenSource();
            await using var reading = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, movedKey, stopReading.Token).GetAsyncEnumerator();
            Assert.True(await NextWithinAsync(reading, stopReading, "the moved key's first record"));

            var clock = Stopwatch.StartNew();
            victim.Value.Kill();
            await victim.Value.WaitForExitAsync().WaitAsync(CliTimeout);
            processes.Remove(victim.Key);
            await victim.Value.DisposeAsync();
            await UntilAsync(() => FleetProcesses.Covered(processes.Values, all, 2), "the killed process's shards held by the survivors", MoveTarget);
            output.WriteLine($"shards {string.Join(",", moved)} of the killed process held again after {clock.Elapsed.TotalSeconds:0.00} s");
            // The moved key's records come on, after a gap its consumer is told of.
            await UntilAsync(() => { lock (gaps) return gaps.Any(g => g.Key == movedKey); }, "the moved key's gap", CliTimeout);
            Assert.True(await NextWithinAsync(reading, stopReading, "the moved key's record after the kill"));

            // The survivors hold every registration of the universe again (their status lines' registrations add up).
            await UntilAsync(() => processes.Values.Sum(p => FleetProcesses.LastLine(p)! is var line
                && RegistrationsPattern().Match(p.Stderr[line.Index..]) is
                { Success: true } r ? int.Parse(r.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0) == universe.Count,
                    "123 registrations held", CliTimeout);
            foreach (var process in processes.Values) output.WriteLine(FleetProcesses.LastLine(process)?.Value);
            // The stream up to the moved key's first record of the survivor's run: no record twice, a key's runs never interleaved.
            var movedKeys = moved.SelectMany(s => universe.Skip(int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) * 41).Take(41)).ToHashSet();
            var records = await broker.ReadStreamWithRunsAsync(KisTrs.IndexTicks.Id,
                list => list.Where(r => r.Key == movedKey).Select(r => r.Run).Distinct().Count() >= 2).WaitAsync(CliTimeout);
            output.WriteLine($"{records.Count} records read; moved keys with records of two runs: " +
                             $"{records.Where(r => movedKeys.Contains(r.Key)).GroupBy(r => r.Key).Count(g => g.Select(r => r.Run).Distinct().Count() >= 2)} " +
                             $"of {movedKeys.Count}");
            Assert.Equal(records.Count, records.Select(r => (r.Run, r.Key, r.Seq)).Distinct().Count());
            foreach (var byKey in records.GroupBy(r => r.Key))
            {
                var runs = new List<string>();
                long last = 0;
                foreach (var r in byKey)
                {
                    if (runs.Count == 0 || runs[^1] != r.Run)
                    {
                        Assert.DoesNotContain(r.Run, runs);
                        runs.Add(r.Run);
                        last = 0;
                    }
                    Assert.True(r.Seq > last, $"{byKey.Key}: seq {r.Seq} after {last} in run {r.Run}");
                    last = r.Seq;
                }
            }
            await AccountForEveryMissingRecordAsync(broker, sim, universe);
        }
        finally
        {
            foreach (var process in processes.Values) await process.DisposeAsync();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Issue 61's gap accounting: the simulator stalled, what it sent each key is counted against the index stream read
    /// by a plain consumer; every record missing (the killed process's unconfirmed ones) lies inside a gap whose
    /// announcement states the previous run's last record on the stream. Nothing is left unaccounted.
    /// </summary>
    private async Task AccountForEveryMissingRecordAsync(RabbitTestBroker broker, KisSimulator sim, List<string> universe)
    {
        // Every registration active at the survivors (each announced on its stream) before the simulator stalls: a stalled
        // simulator answers no subscribe, and a key not yet registered again has no gap message yet.
        var waited = Stopwatch.StartNew();
        while (await ActiveRegistrationsAsync(broker) is var active && active != universe.Count)
        {
            if (waited.Elapsed > CliTimeout)
                throw new TimeoutException($"{active} of {universe.Count} registrations active again after {CliTimeout.TotalSeconds:0} s");
            await Task.Delay(200);
        }
        await sim.Faults.Stall();
        var keys = universe.ToHashSet();
        Dictionary<string, long> sent = [];
        for (var tries = 0; tries < 200; tries++) // every record taken from a tape on its socket (as the whole-market harness settles)
        {
            sent = sim.Instruments.Where(i => i.TrId == KisTrs.IndexTicks.Id && keys.Contains(i.Key))
                .ToDictionary(i => i.Key, i => i.RecordsMade - i.RecordsUnsent);
            if (sim.Instruments.Sum(i => i.RecordsMade - i.RecordsUnsent) == sim.Sessions.Sum(s => s.RecordsSent)) break;
            await Task.Delay(50);
        }
        var total = sent.Values.Sum();
        var entries = await GapAccounting.ReadAsync(broker, KisTrs.IndexTicks.Id, list => list.Count(e => e.Seq > 0) >= total, TimeSpan.FromSeconds(5));
        var result = GapAccounting.Account(entries, sent);
        output.WriteLine($"gap accounting: sent {result.Sent}, on the stream {result.Got}, missing {result.Missing}, unaccounted {result.Unaccounted}, " +
                         $"gaps stated {result.Gaps}, short at a key's end without a later run {result.TailShort}, " +
                         $"in gaps of unknown extent {result.UnknownExtent}");
        foreach (var line in result.Lines.Take(20)) output.WriteLine(line);
        // Whether the killed process had unconfirmed records depends on the moment (most runs: 10-25 missing); either way
        // every record sent is on the stream or inside a gap whose announcement states where it begins, also when a shard
        // moved twice in a row and its middle run published nothing of a key. At this size the tail read never hits its
        // bound, so no gap may be of unknown extent either.
        if (result.Missing == 0) output.WriteLine("the kill left no hole this time: every record sent is on the stream");
        Assert.Equal((0L, 0L), (result.Unaccounted, result.UnknownExtent));
    }

    /// <summary>Registrations active in the universe shards' gateways, as each shard's status says (0 for one not answering).</summary>
    private static async Task<int> ActiveRegistrationsAsync(RabbitTestBroker broker)
    {
        var active = 0;
        foreach (var shard in new[] { "0", "1", "2" })
        {
            await using var client = new KisGatewayClient(KisGatewayClientOptions.Default with
                { Endpoint = broker.Endpoint with { Shard = shard }, RequestTimeout = TimeSpan.FromSeconds(5) });
            try
            {
                active += (await client.GetStatusAsync()).Registrations.Count(r => r.State == "active");
            }
            catch (KisConnectionException)
            {
                // moving: not counted
            }
        }
        return active;
    }

    // A read that times out is cancelled and awaited before the enumerator is disposed: disposing an async iterator while
    // its MoveNextAsync is pending throws NotSupportedException, which once hid the timeout itself (load 30).
    private static async Task<bool> NextWithinAsync<T>(IAsyncEnumerator<T> reading, CancellationTokenSource stop, string what)
    {
        var next = reading.MoveNextAsync().AsTask();
        if (await Task.WhenAny(next, Task.Delay(TestTimeout)) == next) return await next;
        await stop.CancelAsync();
        try { await next; }
        catch (OperationCanceledException) { }
        throw new TimeoutException($"{what}: not read within {TestTimeout.TotalSeconds:0} s");
    }
}
