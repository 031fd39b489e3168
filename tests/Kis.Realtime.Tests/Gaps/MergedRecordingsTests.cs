using System.Text;
using Kis.Realtime.Internal;
using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Gaps;

/// <summary>
/// Issue 74 finding 3: <see cref="KisMergedClient"/> over recordings read unpaced gives one answer whatever the thread
/// timing: the union of the sources' trades in exchange order, a gap only where every source missed the trades, and a gap
/// taken back when late trades fill it.
/// </summary>
public sealed class MergedRecordingsTests
{
    private const int Count = 3000;
    private static readonly DateTime Start = new(2026, 11, 23, 10, 0, 0);

    private static long VolumeOf(int n) => 1 + n % 37;

    private static Trade TradeOf(int n, long accumulated) => new(Start.AddMilliseconds(100 * n), 70000 + n % 50 * 10, VolumeOf(n), accumulated);

    // A misses runs of three trades, B runs of two and runs 250 ms behind; both miss 1500 and 1501, and where the runs
    // meet (1465; 2532 and 2533): gaps of the merge.
    private static bool AMisses(int n) => n % 97 is 10 or 11 or 12 || n is 1500 or 1501;
    private static bool BMisses(int n) => n % 89 is 40 or 41 || n is 1500 or 1501;

    private static (string A, string B, (List<long> Tape, long Gaps, long Missing) Truth) Recordings()
    {
        var a = new List<Trade>();
        var b = new List<Trade>();
        var union = new List<long>();
        long accumulated = 0, gaps = 0, missing = 0;
        for (var n = 1; n <= Count; n++)
        {
            accumulated += VolumeOf(n);
            var trade = TradeOf(n, accumulated);
            if (!AMisses(n)) a.Add(trade);
            if (!BMisses(n)) b.Add(Late(trade, TimeSpan.FromMilliseconds(250)));
            if (!AMisses(n) || !BMisses(n)) union.Add(accumulated);
            else
            {
                missing += VolumeOf(n);
                if (n == 1 || !AMisses(n - 1) || !BMisses(n - 1)) gaps++;
            }
        }
        Assert.Equal((3L, 23L + 21 + 22 + 17 + 18), (gaps, missing)); // 1465; 1500–1501; 2532–2533
        return (Write(KisTrs.H0STCNT0, "005930", [.. a]), Write(KisTrs.H0STCNT0, "005930", [.. b]), (union, gaps, missing));
    }

    private static async Task<(List<long> Tape, long Gaps, long Missing)> MergeAsync(string a, string b, TimeProvider? clock = null)
    {
        await using var merged = new KisMergedClient([new KisReplayClient(new KisRecordingFolder(a)), new KisReplayClient(new KisRecordingFolder(b))],
            KisMergeOptions.Default with { TimeProvider = clock ?? TimeProvider.System });
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var tape = new List<long>();
        var fields = TradeVolumeFields.For(KisTrs.H0STCNT0)!;
        await foreach (var record in merged.SubscribeRecordsAsync(KisTrs.H0STCNT0, "005930", stop.Token))
        {
            Assert.True(fields.TryRead(record.Data.Span, out var trade));
            tape.Add(trade.Accumulated);
        }
        var stats = merged.Statistics;
        return (tape, stats.Gaps, stats.MissingVolume);
    }

    [Fact]
    public async Task Two_recordings_merged_unpaced_twenty_times_give_one_answer_in_exchange_order()
    {
        var (a, b, truth) = Recordings();
        for (var run = 0; run < 20; run++) Same(truth, await MergeAsync(a, b));
    }

    [Fact]
    public async Task A_clock_racing_ahead_of_the_sources_changes_nothing()
    {
        // A clock that jumps two seconds at every look: each window ends before the other source's record is read, as
        // when a thread is held back on a loaded machine. The merge of recordings goes by their receive times, not this clock.
        var (a, b, truth) = Recordings();
        Same(truth, await MergeAsync(a, b, new RacingClock()));
    }

    private static void Same((List<long> Tape, long Gaps, long Missing) expected, (List<long> Tape, long Gaps, long Missing) actual)
    {
        Assert.Equal(expected.Tape, actual.Tape);
        Assert.Equal((expected.Gaps, expected.Missing), (actual.Gaps, actual.Missing));
    }

    [Fact]
    public async Task A_hole_given_up_on_and_filled_by_a_trade_recorded_late_is_no_gap()
    {
        // A misses trade 100; B received it 3 s late (past the 1 s window): the merged tape gives the hole up, then sends
        // trade 100 late, once, and takes the gap back.
        var a = new List<Trade>();
        var b = new List<Trade>();
        long accumulated = 0;
        for (var n = 1; n <= 300; n++)
        {
            accumulated += VolumeOf(n);
            var trade = TradeOf(n, accumulated);
            if (n != 100) a.Add(trade);
            b.Add(Late(trade, TimeSpan.FromMilliseconds(n == 100 ? 3000 : 250)));
        }
        var written = b.OrderBy(t => t.Kst + t.ReceivedLate!.Value).ToArray(); // a recording is in the order received
        var (tape, gaps, missing) = await MergeAsync(Write(KisTrs.H0STCNT0, "005930", [.. a]), Write(KisTrs.H0STCNT0, "005930", written));
        Assert.Equal(300, tape.Count);
        Assert.Equal(300, tape.Distinct().Count());
        Assert.Equal((0L, 0L), (gaps, missing));
    }

    [Fact]
    public void A_gap_given_up_is_taken_back_when_a_late_trade_fills_it()
    {
        var gaps = new ClientGaps(enabled: true, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System, meter: null);
        var check = gaps.For(KisTrs.H0STCNT0, "005930")!;
        var t0 = new DateTimeOffset(Start, Kst);
        check.Observe(Encoding.ASCII.GetBytes(string.Join('^', Fields(1, 10, 10))), t0);
        check.Observe(Encoding.ASCII.GetBytes(string.Join('^', Fields(3, 30, 60))), t0.AddSeconds(3));
        Assert.Equal((1L, 20L), (gaps.Gaps, gaps.MissingVolume));
        gaps.Retract(KisTrs.H0STCNT0.Id, 20, filledWhole: true);
        Assert.Equal((0L, 0L), (gaps.Gaps, gaps.MissingVolume));
        gaps.Dispose();
    }

    private static string[] Fields(int second, long volume, long accumulated)
    {
        var tr = KisTrs.H0STCNT0;
        var fields = Enumerable.Repeat("0", tr.Fields.Count).ToArray();
        fields[tr.IndexOf("stck_cntg_hour")] = $"1000{second:00}";
        fields[tr.IndexOf("bsop_date")] = "20261123";
        fields[tr.IndexOf("cntg_vol")] = volume.ToString(System.Globalization.CultureInfo.InvariantCulture);
        fields[tr.IndexOf("acml_vol")] = accumulated.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return fields;
    }

    /// <summary>Two seconds later at every look.</summary>
    private sealed class RacingClock : TimeProvider
    {
        private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.FromSeconds(2).Ticks), TimeSpan.Zero);
    }
}
