using System.Diagnostics;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 61: a key that moves twice in a row, its middle run holding it without publishing any of it (not even an
/// announcement: KIS never confirmed its registration). The third run's announcement must name the first run's last
/// record of the key on the stream, so the gap from there to the third run's first record is stated. It used to name the
/// middle run and no seq: the records lost at the first move were in no stated gap (the fleet kill test met this in 2 of
/// 4 runs).
/// </summary>
public sealed class GatewayTwoMovesTests
{
    private const string Key = "0001";

    /// <summary>How long after the first run stopped the middle one stops: longer than the tail read's first window (from the
    /// previous run's checkpoint less 2 s) reaches back, so the first run's records are found only by reading further back.</summary>
    private static readonly TimeSpan MiddleRunLife = TimeSpan.FromSeconds(6);

    [RabbitFact]
    public async Task A_key_moved_twice_with_a_silent_middle_run_is_announced_with_the_first_runs_last_record()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint, Client = Options(sim), CheckpointInterval = TimeSpan.FromMilliseconds(100) };
        var tr = KisTrs.IndexTicks.Id;

        // The first run publishes the key for a consumer's claim, then stops (its final checkpoint holds the claim).
        var first = await KisGateway.StartAsync(options);
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, ConsumerId = "two-moves" });
        var gaps = new List<GatewayGap>();
        consumer.RunGapDetected += (_, gap) => { lock (gaps) gaps.Add(gap); };
        await using var ticks = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, Key).GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        var firstRun = first.Run;
        await first.DisposeAsync();
        var firstStopped = Stopwatch.StartNew();

        // The middle run restores the claim, but KIS (stalled) never answers its registration: it publishes nothing of the
        // key, not even its announcement (published when KIS confirms), and stops.
        await sim.Faults.Stall();
        var middle = await KisGateway.StartAsync(options);
        await UntilAsync(() => middle.Status().Registrations.Any(r => r.Key == Key) && firstStopped.Elapsed > MiddleRunLife,
            "the middle run holding the claim, silent", MiddleRunLife + TestTimeout);
        Assert.Equal(0, middle.Status().Published);
        var middleRun = middle.Run;
        await middle.DisposeAsync();
        await sim.Faults.Unstall();

        // The third run follows the middle one and publishes the key again.
        await using var third = await KisGateway.StartAsync(options);
        Assert.Equal(middleRun, third.PreviousRun);
        await UntilAsync(() => { lock (gaps) return gaps.Count == 1; }, "the consumer's gap");

        // An independent consumer's view of the stream: the third run's announcement names the first run's last record.
        var entries = await GapAccounting.ReadAsync(broker, tr, list => list.Any(e => e.Run == third.Run && e.Seq > 0), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(entries, e => e.Run == middleRun);
        var lastOfFirst = entries.Last(e => e.Run == firstRun && e.Seq > 0);
        var announced = Assert.Single(entries, e => e.Run == third.Run && e.Seq == 0);
        Assert.Equal((middleRun, firstRun, lastOfFirst.Seq, false),
            (announced.PreviousRun, announced.PreviousStreamRun, announced.PreviousStreamSeq, announced.PreviousStreamUnknown));
        var onStream = entries.Where(e => e.Seq > 0).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => (long)g.Count());
        var result = GapAccounting.Account(entries, onStream);
        Assert.True((result.Gaps, result.Unaccounted) == (1, 0L), string.Join("\n", result.Lines));
        Assert.Equal(0, third.Status().PreviousRunKeysUnknown);

        // The library consumer's gap: from the first run's last record to the third run's first, announced.
        GatewayGap gap;
        lock (gaps) gap = gaps.Single();
        Assert.Equal((firstRun, lastOfFirst.Seq, third.Run, true, 1L), (gap.PreviousRun, gap.LastSequence, gap.NextRun, gap.Announced, gap.FirstSequence));
    }
}
