using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Bars;

namespace Kis.Realtime.Tests.Gaps;

/// <summary>
/// Gap detection wired through the clients, proven against the simulator's skip fault over a full (sped-up) demo day:
/// every run of skipped records is one gap of exactly their volume, on every trade feed, and no gap appears anywhere
/// else — live (direct session) and replayed from the session's recording.
/// </summary>
public sealed class SimulatedDayGapTests
{
    private static readonly (string Tr, string Key)[] Feeds =
    [
        ("H0STCNT0", "005930"), ("H0NXCNT0", "005930"), ("H0UNCNT0", "005930"), ("H0UPCNT0", "0001"), ("H0IFCNT0", "101W12000"),
    ];

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    private static KisRealtimeClient Client(KisSimulator sim) => new(KisRealtimeOptions.Default with
    {
        Credentials = [new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret)],
        WebSocketUrl = sim.WebSocketUrl,
        RestBaseUrl = sim.RestBaseUrl,
        FullMode = KisFullMode.Wait, // nothing dropped by the client: every gap is the simulator's
        SubscriptionCapacity = 100_000,
    });

    private static TrDefinition Tr(string id) => KisTrs.TryGet(id, out var tr) ? tr : throw new ArgumentException(id);

    /// <summary>A record's trade volume, cumulative volume and time, read with the library's typed views (not the gap detector's reader).</summary>
    private static (long Volume, long Accumulated, TimeOnly Time) Trade(string trId, ReadOnlySpan<byte> record)
    {
        var tr = Tr(trId);
        if (trId == "H0UPCNT0" && IndexTick.TryDecode(tr, record, out var tick, out _)) return (tick.TickVolume, tick.CumulativeVolume, tick.Time);
        if (trId == "H0IFCNT0" && FuturesTrade.TryDecode(tr, record, out var futures, out _)) return (futures.Volume, futures.CumulativeVolume, futures.Time);
        if (StockTrade.TryDecode(tr, record, out var stock, out _)) return (stock.Volume, stock.CumulativeVolume, stock.Time);
        throw new InvalidOperationException($"{trId}: undecodable record");
    }

    /// <summary>
    /// The simulator's own account: per feed, the volume of each run of consecutive skipped records, leaving out those
    /// before the feed's first received record and after its last (nothing was seen before or after them: no one can
    /// tell they are missing).
    /// </summary>
    private static Dictionary<(string, string), List<long>> SkippedRuns(KisSimulator sim, IReadOnlyDictionary<(string, string), long> before,
        IReadOnlyDictionary<(string, string), long> last)
    {
        var runs = Feeds.ToDictionary(f => f, _ => new List<long>());
        long previous = -2;
        (string, string) feed = default;
        foreach (var s in sim.Faults.SkippedRecords.OrderBy(s => (s.TrId, s.Key)).ThenBy(s => s.Sequence))
        {
            var (volume, accumulated, _) = Trade(s.TrId, System.Text.Encoding.UTF8.GetBytes(s.Record));
            if (accumulated <= before[(s.TrId, s.Key)] || accumulated >= last[(s.TrId, s.Key)]) continue;
            var list = runs[(s.TrId, s.Key)];
            if ((s.TrId, s.Key) == feed && s.Sequence == previous + 1) list[^1] += volume;
            else list.Add(volume);
            (feed, previous) = ((s.TrId, s.Key), s.Sequence);
        }
        return runs;
    }

    private static Dictionary<(string, string), List<long>> Found(IEnumerable<VolumeGap> gaps)
        => Feeds.ToDictionary(f => f, f => gaps.Where(g => (g.TrId, g.Key) == f).Select(g => g.MissingVolume).ToList());

    [Fact]
    public async Task Over_a_simulated_day_every_skip_is_one_gap_of_its_volume_on_every_feed_live_and_replayed()
    {
        // A market hour a second: 09:00–19:00 in about 10 s, KRX's close and NXT's after-market included. The clock is
        // held until the five subscriptions are confirmed, so the day starts at 09:00 however slow a loaded machine is
        // to connect (the first trades came at 10:11–10:34 on a quiet one; past 15:00 under CI's load).
        var time = new HeldMarketTime();
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with
        {
            ClockSpeed = 3600, Pace = MarketPace.PerSecond(250), Seed = 5, TimeProvider = time,
        });
        // Skipping starts with the feeds' first records (whatever the moment the client subscribes) and ends at 15:00.
        for (var i = 0; i < Feeds.Length; i++) sim.Faults.SkipRecords(Feeds[i].Tr, Feeds[i].Key, 0.05, seed: i + 1);
        var firstSeen = new ConcurrentDictionary<(string, string), long>(); // per feed: acml_vol before its first received trade
        var firstTime = new ConcurrentDictionary<(string, string), TimeOnly>(); // per feed: time of its first received trade
        var received = new ConcurrentDictionary<(string, string), int>();
        var lastSeen = new ConcurrentDictionary<(string, string), long>(); // per feed: acml_vol of its last received trade
        using var stop = new CancellationTokenSource(Guard);
        var found = new ConcurrentQueue<VolumeGap>();
        var recording = new ConcurrentQueue<RawMessage>();
        var skipping = new SkipSwitch(sim);
        var reachedEvening = false;
        var endedAt = DateTimeOffset.MaxValue; // receive time of the record that ended the day

        await using (var client = Client(sim))
        {
            client.GapDetected += found.Enqueue;
            var tap = Task.Run(async () =>
            {
                await foreach (var m in client.ReadRawMessagesAsync(stop.Token).WithCancellation(stop.Token)) recording.Enqueue(m);
            });
            var pumps = Feeds.Select(feed => Task.Run(async () =>
            {
                try
                {
                    await foreach (var r in client.SubscribeRecordsAsync(Tr(feed.Tr), feed.Key, stop.Token))
                    {
                        var (volume, accumulated, time) = Trade(feed.Tr, r.Data.Span);
                        firstSeen.TryAdd(feed, accumulated - volume);
                        firstTime.TryAdd(feed, time);
                        received.AddOrUpdate(feed, 1, (_, n) => n + 1);
                        lastSeen[feed] = accumulated;
                        // Skipping ends at 15:00 by the simulator's clock (every feed trades on for a while: KRX's
                        // closing print, futures to 15:45); NXT trades 08:00–20:00: its trades end the day at 19:00, an hour (a second of
                        // wall time) before its close, so a loaded machine's stalled sender cannot carry the day past 20:00.
                        if (sim.MarketTime.TimeOfDay >= TimeSpan.FromHours(15)) skipping.Stop();
                        if (feed.Tr != "H0NXCNT0") continue;
                        if (time >= new TimeOnly(19, 0)) { reachedEvening = true; endedAt = r.ReceivedAt; await stop.CancelAsync(); }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            })).ToArray();
            await WaitAsync(() => sim.Counters.Replies("OPSP0000") >= Feeds.Length, Guard);
            time.Run();
            await Task.WhenAll(pumps);
            Assert.True(reachedEvening, "the simulated day did not reach 19:00 within the guard");

            var stats = client.Statistics;
            await WaitAsync(() => found.Count == stats.Gaps + stats.Overlaps); // the events come from a task of their own
            var expected = SkippedRuns(sim, firstSeen, lastSeen);
            Assert.All(Feeds, f => Assert.True(expected[f].Count >= 3, 
                $"{f}: only {expected[f].Count} skips injected; first trade {firstTime.GetValueOrDefault(f)}, {received.GetValueOrDefault(f)} received, "
                + $"{sim.Faults.SkippedRecords.Count(s => (s.TrId, s.Key) == f)} skipped in all"));
            Assert.Equal(0, stats.Dropped);
            Assert.Equal(0, stats.Overlaps);
            var live = Found(found);
            Assert.All(Feeds, f => Assert.Equal(expected[f], live[f]));
            Assert.Equal(expected.Values.Sum(r => r.Count), stats.Gaps);
            Assert.Equal(expected.Values.Sum(r => r.Sum()), stats.MissingVolume);
            Assert.Equal(sim.Counters.RecordsSkipped, sim.Faults.SkippedRecords.Count);
            Assert.Equal(found.Select(g => g.MissingVolume).OrderDescending().Take(5), stats.LargestGaps.Select(g => g.MissingVolume));
            Assert.All(found, g => Assert.True(g.From < g.To || g.From == g.To, $"{g}"));
            await tap.WaitAsync(Guard).ContinueWith(_ => { });
        }

        // The recording of that session up to the end of the day, replayed: the same gaps, from the recorded cumulative
        // volume alone. (The simulator's clock runs on while the test checks: later days are not replayed.)
        await using var replay = new KisReplayClient(new MemorySource([.. recording]), KisReplayOptions.Default with { To = endedAt });
        var replayed = new ConcurrentQueue<VolumeGap>();
        replay.GapDetected += replayed.Enqueue;
        var replayLast = new Dictionary<(string, string), long>();
        foreach (var (tr, key) in Feeds)
            await foreach (var r in replay.SubscribeRecordsAsync(Tr(tr), key).WithCancellation(new CancellationTokenSource(Guard).Token))
                replayLast[(tr, key)] = Trade(tr, r.Data.Span).Accumulated;
        var replayStats = replay.Statistics;
        await WaitAsync(() => replayed.Count == replayStats.Gaps + replayStats.Overlaps);
        var replayExpected = SkippedRuns(sim, firstSeen, replayLast);
        Assert.All(Feeds, f => Assert.Equal(replayExpected[f], Found(replayed)[f]));
        Assert.Equal(0, replayStats.Overlaps);
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(5);
        }
    }

    /// <summary>Ends the skip rules once.</summary>
    private sealed class SkipSwitch(KisSimulator sim)
    {
        private readonly Lock _gate = new();
        private bool _stopped;

        public void Stop()
        {
            lock (_gate)
            {
                if (_stopped) return;
                _stopped = true;
                sim.Faults.StopSkipping();
            }
        }
    }

    /// <summary>A recording held in memory (the raw messages of a session, as <c>kisrt record</c> keeps them).</summary>
    private sealed class MemorySource(IReadOnlyList<RawMessage> messages) : KisRecordingSource
    {
        public override string Description => "memory";

        public override async IAsyncEnumerable<RecordedMessage> ReadAsync(ReplayQuery query,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var m in messages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new RecordedMessage(m.ReceivedAt, m.SessionIndex, m.Data);
            }
            await Task.CompletedTask;
        }
    }
}
