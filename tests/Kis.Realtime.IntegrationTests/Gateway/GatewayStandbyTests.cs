using System.Diagnostics;
using System.Text.RegularExpressions;
using Kis.Realtime.Gateway.Wire;
using Xunit.Abstractions;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using RabbitMQ.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A hot standby: two or more <c>kisrt gateway</c> processes for one app key and namespace, one active (elected with an
/// exclusive queue), the active one killed with SIGKILL while records flow. The standby takes over within the target,
/// restores the claims, and a consumer that does nothing gets every confirmed record once and an explicit gap marker
/// for the rest.
/// </summary>
[Collection(nameof(RecordKillTests))] // runs alone: its takeover times are asserted (child processes)
public partial class GatewayStandbyTests(ITestOutputHelper output)
{
    /// <summary>The takeover target: the standby's first record at the consumer within this of the kill (the simulator
    /// frees a dead session's app key at once, as it sees the socket close).</summary>
    internal static readonly TimeSpan TakeoverTarget = TimeSpan.FromSeconds(5);

    [GeneratedRegex(@"received (?=\d+, confirmed (\d+))(\d+)")]
    private static partial Regex ConfirmedPattern();

    [GeneratedRegex(@"kisrt gateway: run (\S+),")]
    private static partial Regex RunPattern();

    [RabbitFact]
    public async Task Exactly_one_process_is_active_and_a_standby_takes_the_lock_when_it_goes()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint, ElectionRetryInterval = TimeSpan.FromMilliseconds(100) };
        await using var first = KisGatewayElection.Start(options);
        var term = await first.WaitUntilActiveAsync(CancellationToken.None).WaitAsync(TestTimeout);
        await using var second = KisGatewayElection.Start(options);
        await using var third = KisGatewayElection.Start(options);
        await UntilStandbysAsync(broker.Endpoint, 2);
        Assert.Equal((GatewayRole.Active, GatewayRole.Standby, GatewayRole.Standby), (first.Role, second.Role, third.Role));

        var clock = Stopwatch.StartNew();
        await first.DisposeAsync();
        Assert.True(term.IsCancellationRequested);
        // One of the two takes over, the other stays standby.
        var next = await Task.WhenAny(second.WaitUntilActiveAsync(CancellationToken.None), third.WaitUntilActiveAsync(CancellationToken.None)).WaitAsync(
            TestTimeout);
        // Retrying every 100 ms: within 10 s (issue 72's target with busy cores) even on a loaded machine; a takeover that
        // waited for a timeout would not be.
        output.WriteLine($"takeover {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        await UntilStandbysAsync(broker.Endpoint, 1);
        Assert.Equal(1, new[] { second.Role, third.Role }.Count(r => r == GatewayRole.Active));
        Assert.False((await next).IsCancellationRequested);
    }

    [RabbitFact]
    public async Task A_new_run_restores_the_previous_runs_claims_and_the_consumer_reads_on_across_an_announced_gap()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        var options = KisGatewayOptions.Default with
        {
            Endpoint = broker.Endpoint,
            Client = Options(sim),
            CheckpointInterval = TimeSpan.FromMilliseconds(100),
        };
        var first = await KisGateway.StartAsync(options);
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, ConsumerId = "restored" });
        var gaps = new List<GatewayGap>();
        consumer.RunGapDetected += (_, gap) => { lock (gaps) gaps.Add(gap); };
        await using var ticks = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        var firstRun = first.Run;
        await first.DisposeAsync(); // its final checkpoint holds the consumer's claim

        // No --sub, no request from the consumer: the claim comes back from the checkpoint alone.
        await using var second = await KisGateway.StartAsync(options);
        Assert.Equal(firstRun, second.PreviousRun);
        Assert.Equal(1, await second.ClaimsRestoredAsync.WaitAsync(TestTimeout));
        var registration = Assert.Single(second.Status().Registrations);
        Assert.Equal(("0001", 1), (registration.Key, registration.Consumers));

        // The consumer, which did nothing, reads the new run's records after one announced gap.
        await UntilAsync(() => { lock (gaps) return gaps.Count == 1; }, "the gap marker");
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        var gap = gaps.Single();
        Assert.Equal((firstRun, second.Run, true, 1L), (gap.PreviousRun, gap.NextRun, gap.Announced, gap.FirstSequence));
        Assert.Equal(1, consumer.RunAnnouncements);
    }

    private static async Task UntilStandbysAsync(KisGatewayEndpoint endpoint, int standbys)
    {
        var deadline = DateTime.UtcNow + TestTimeout;
        while (await KisGatewayElection.CountStandbysAsync(endpoint) != standbys)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {standbys} standbys.");
            await Task.Delay(20); // polling a condition, bounded by the deadline
        }
    }

    [RabbitFact]
    public async Task Killed_active_gateways_are_replaced_by_standbys_and_the_consumer_gets_every_confirmed_record_once_and_a_gap_marker_per_kill()
    {
        var result = await KillRunAsync(kills: 2, output.WriteLine);
        // CI shares two cores with builds: the bound here is twice the target; scripts/standby-kills.sh reports against the target.
        Assert.All(result.Takeovers, t => Assert.True(t <= TakeoverTarget * 2, $"takeovers {string.Join(", ", result.Takeovers)}"));
    }

    /// <summary>
    /// The 20-kill run (scripts/standby-kills.sh; KISRT_STANDBY_KILLS=N sets the number): the same contract, and the
    /// takeover times reported (min / median / max) against the target.
    /// </summary>
    [StandbyKillsFact]
    public async Task Many_kills_harness()
    {
        var kills = int.Parse(Environment.GetEnvironmentVariable("KISRT_STANDBY_KILLS")!, System.Globalization.CultureInfo.InvariantCulture);
        var result = await KillRunAsync(kills, output.WriteLine);
        var sorted = result.Takeovers.Order().ToList();
        output.WriteLine($"{kills} kills: takeover min {sorted[0].TotalMilliseconds:0} ms, median {sorted[sorted.Count / 2].TotalMilliseconds:0} ms, " +
                         $"max {sorted[^1].TotalMilliseconds:0} ms (target {TakeoverTarget.TotalSeconds:0} s); {result.Records} records, each confirmed one " +
                         $"reached " +
                         $"the consumer once; gaps: missed volume {string.Join(", ", result.Gaps.Select(g => g.MissedVolume))}");
        Assert.All(result.Takeovers, t => Assert.True(t <= TakeoverTarget, $"takeovers {string.Join(", ", sorted)}"));
    }

    internal sealed record KillRunResult(IReadOnlyList<TimeSpan> Takeovers, int Records, IReadOnlyList<GatewayGap> Gaps);

    /// <summary>
    /// Two gateway processes with <c>--sub index:0001</c>; <paramref name="kills"/> times the active one is killed once it
    /// has confirmed records and a replacement standby is waiting. A consumer from the stream's start reads throughout,
    /// without being told anything. Asserts the whole contract and returns the takeover times (kill to the new run's
    /// first record at the consumer).
    /// </summary>
    internal static async Task<KillRunResult> KillRunAsync(int kills, Action<string>? progress = null)
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var credential = new SimulatorCredential("PSsimGatewayStandbyTestAppKey".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret,
            SimulatorOptions.DefaultHtsId);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Credentials = [credential], Pace = MarketPace.PerSecond(2_000) });
        string[] arguments = ["--amqp", broker.Endpoint.AmqpUri.ToString(), "--namespace", broker.Endpoint.Namespace, "--sub", "index:0001"];
        RecordKillTests.RecorderProcess Start() => RecordKillTests.RecorderProcess.StartCommand("gateway", sim, credential, ConfirmedPattern(), arguments);

        var processes = new List<RecordKillTests.RecorderProcess> { Start(), Start() };
        var consumed = new List<KisRecord>();
        var gaps = new List<(GatewayGap Gap, long At)>();
        var killedRuns = new List<(string Run, long Confirmed)>();
        var takeovers = new List<TimeSpan>();
        using var stopConsumer = new CancellationTokenSource();
        try
        {
            var active = await ActiveAsync(processes, null);
            await active.WaitUntilWrittenAsync(200).WaitAsync(CliTimeout);
            // The consumer: from the stream's first record, then live; it does nothing about the kills.
            await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default
                with { Endpoint = broker.Endpoint, Start = GatewayStart.First, ConsumerId = "standby-test" });
            consumer.RunGapDetected += (_, gap) => { lock (gaps) gaps.Add((gap, Stopwatch.GetTimestamp())); };
            var consuming = Task.Run(async () =>
            {
                await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").WithCancellation(stopConsumer.Token))
                    lock (consumed) consumed.Add(record);
            });
            await UntilAsync(() => { lock (consumed) return consumed.Count >= 100; }, "the consumer's first records", CliTimeout);

            for (var kill = 1; kill <= kills; kill++)
            {
                // A standby waits (started, not active), and the active one has confirmed records since it took over.
                var standby = processes.Single(p => p != active);
                await UntilStandbyAsync(standby);
                var target = active.LastReported.Records + Random.Shared.Next(100, 2_000);
                await active.WaitUntilWrittenAsync(target).WaitAsync(CliTimeout);
                var killedRun = RunPattern().Match(active.Stderr).Groups[1].Value;
                var killedAt = Stopwatch.GetTimestamp();
                active.Kill();
                await active.WaitForExitAsync().WaitAsync(CliTimeout);
                killedRuns.Add((killedRun, active.LastReported.Records));
                processes.Remove(active);
                await active.DisposeAsync();

                // The standby takes over; the consumer sees the new run's first record after a gap marker.
                await UntilAsync(() => { lock (gaps) return gaps.Count >= kill; }, $"gap marker {kill}", CliTimeout);
                (GatewayGap Gap, long At) marked;
                lock (gaps) marked = gaps[kill - 1];
                takeovers.Add(Stopwatch.GetElapsedTime(killedAt, marked.At));
                progress?.Invoke($"kill {kill}: takeover {takeovers[^1].TotalMilliseconds:0} ms, {marked.Gap}");
                active = await ActiveAsync([standby], killedRun);
                progress?.Invoke($"killed at {DateTime.UtcNow - Stopwatch.GetElapsedTime(killedAt):HH:mm:ss.fff}; the new active's log:\n{standby.Stderr}");
                processes.Add(Start());
            }
            await active.WaitUntilWrittenAsync(active.LastReported.Records + 200).WaitAsync(CliTimeout);

            // Everything stops; the stream is then final: read it to a sentinel of our own at its end.
            foreach (var process in processes) process.Kill();
            foreach (var process in processes) await process.WaitForExitAsync().WaitAsync(CliTimeout);
            await PublishSentinelAsync(broker.Endpoint);
            var stream = await broker.ReadStreamWithRunsAsync("H0UPCNT0", list => list.Count > 0 && list[^1].Key == "sentinel");
            stream.RemoveAt(stream.Count - 1);
            var records = stream.DistinctBy(r => (r.Run, r.Seq)).ToList();

            // Each killed run: 1..N without a hole in the stream, at least what it had reported confirmed.
            foreach (var (run, confirmed) in killedRuns)
            {
                var seqs = records.Where(r => r.Run == run).Select(r => r.Seq).Order().ToList();
                Assert.True(seqs.Count >= confirmed, $"run {run}: {seqs.Count} records in the stream, {confirmed} reported confirmed");
                Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
            }
            // The consumer: every record on the stream once, in order (repeats of a resend dropped), nothing else.
            var expected = records.Select(r => System.Text.Encoding.ASCII.GetString(r.Body)).ToList();
            await UntilAsync(() => { lock (consumed) return consumed.Count >= expected.Count || consuming.IsCompleted; },
                $"{expected.Count} records at the consumer", CliTimeout);
            lock (consumed)
            {
                Assert.Equal(expected.Count, consumed.Count);
                Assert.Equal(expected, consumed.Select(r => System.Text.Encoding.ASCII.GetString(r.Data.Span)));
            }
            // One gap marker per kill: from the killed run's last record to the next run's first, announced by it.
            lock (gaps)
            {
                Assert.Equal(kills, gaps.Count);
                for (var i = 0; i < kills; i++)
                {
                    var gap = gaps[i].Gap;
                    var (run, _) = killedRuns[i];
                    var nextRun = i + 1 < kills ? killedRuns[i + 1].Run : records[^1].Run;
                    Assert.Equal((run, nextRun, "H0UPCNT0", "0001"), (gap.PreviousRun, gap.NextRun, gap.Tr, gap.Key));
                    Assert.Equal(records.Where(r => r.Run == run).Max(r => r.Seq), gap.LastSequence);
                    Assert.Equal(1, gap.FirstSequence);
                    Assert.True(gap.Announced, gap.ToString());
                    // Null when the killed run confirmed nothing of the key by its last checkpoint.
                    Assert.True(gap.PreviousRunConfirmedSequence is null || gap.PreviousRunConfirmedSequence <= gap.LastSequence, gap.ToString());
                    Assert.True(gap.FirstReceivedAt > gap.LastReceivedAt, gap.ToString());
                    Assert.NotNull(gap.MissedVolume);
                }
            }
            Assert.Equal(kills, consumer.RunGaps);
            stopConsumer.Cancel();
            return new KillRunResult(takeovers, expected.Count, gaps.Select(g => g.Gap).ToList());
        }
        finally
        {
            stopConsumer.Cancel();
            foreach (var process in processes) await process.DisposeAsync();
        }
    }

    /// <summary>Until <paramref name="process"/> says it is a standby; on a timeout its whole log is the message (the line
    /// it said instead is what tells a broker problem from a process that never joined).</summary>
    private static async Task UntilStandbyAsync(RecordKillTests.RecorderProcess process)
    {
        try
        {
            await UntilAsync(() => process.Stderr.Contains("kisrt gateway: standby:"), "a standby waiting", CliTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No standby waiting within {CliTimeout}; its log:\n{process.Stderr}");
        }
    }

    [RabbitFact]
    public async Task A_process_that_could_not_reach_the_broker_at_first_says_it_is_standby_once_it_joins()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var credential = new SimulatorCredential("PSsimGatewayStandbySaysAppKey".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret,
            SimulatorOptions.DefaultHtsId);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Credentials = [credential], Pace = MarketPace.PerSecond(200) });
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        await proxy.CutAsync(); // the second process's first tries are refused
        string[] Arguments(Uri amqp) => ["--amqp", amqp.ToString(), "--namespace", broker.Endpoint.Namespace, "--sub", "index:0001"];
        await using var active = RecordKillTests.RecorderProcess.StartCommand("gateway", sim, credential, ConfirmedPattern(),
            Arguments(broker.Endpoint.AmqpUri));
        await ActiveAsync([active], null);
        await using var second = RecordKillTests.RecorderProcess.StartCommand("gateway", sim, credential, ConfirmedPattern(),
            Arguments(proxy.Rewrite(broker.Endpoint.AmqpUri)));
        await UntilAsync(() => second.Stderr.Contains("kisrt gateway: not active, not standby:"), "the broker problem said", CliTimeout);

        proxy.Resume();
        await UntilStandbyAsync(second);
        Assert.DoesNotMatch(RunPattern(), second.Stderr);
    }

    /// <summary>The one process that says it is active (and, after a takeover, that it follows <paramref name="previousRun"/>).</summary>
    private static async Task<RecordKillTests.RecorderProcess> ActiveAsync(IReadOnlyList<RecordKillTests.RecorderProcess> candidates, string? previousRun)
    {
        RecordKillTests.RecorderProcess? active = null;
        await UntilAsync(() => (active = candidates.SingleOrDefault(p => RunPattern().IsMatch(p.Stderr))) is not null, "an active gateway", CliTimeout);
        if (previousRun is not null) Assert.Contains($"follows run {previousRun}", active!.Stderr);
        return active!;
    }

    /// <summary>A message of a key nobody subscribes, published with confirms after everything else: the stream's end.</summary>
    private static async Task PublishSentinelAsync(KisGatewayEndpoint endpoint)
    {
        await using var connection = await endpoint.CreateFactory("kisrt-tests-sentinel").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties
        {
            Headers = new Dictionary<string, object?>
            {
                [GatewayWire.TrIdHeader] = "H0UPCNT0", [GatewayWire.TrKeyHeader] = "sentinel", [GatewayWire.SequenceHeader] = 1L,
                [GatewayWire.RunHeader] = "sentinel", [GatewayWire.ReceivedAtHeader] = 0L,
            },
        };
        await channel.BasicPublishAsync(endpoint.Exchange, "H0UPCNT0.sentinel", false, properties, "end"u8.ToArray());
    }
}

/// <summary>Runs only when KISRT_STANDBY_KILLS is set (scripts/standby-kills.sh): the long kill run is not for CI.</summary>
internal sealed class StandbyKillsFactAttribute : FactAttribute
{
    public StandbyKillsFactAttribute()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("KISRT_STANDBY_KILLS"), out var kills) || kills < 1)
            Skip = "set KISRT_STANDBY_KILLS=20 (scripts/standby-kills.sh) to run the long kill run";
    }
}
