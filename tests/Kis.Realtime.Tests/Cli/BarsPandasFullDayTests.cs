using System.Text;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using static Kis.Realtime.Tests.Cli.BarsPandasCrossCheckTests;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// A whole simulated session of each market, recorded, against the pandas rebuild (tools/bars-check): KRX, NXT with its
/// pre- and after-market and the unified feed over one day; a US session across KST midnight; a night futures session.
/// Each is a simulator scenario (<see cref="SimulatorOptions.MarketStart"/> at clock speed 600 on a manual clock, so a
/// day takes a second or two of CPU) with 5 % of its trades skipped by the fault injection; the 1-minute bars, the gaps
/// and the <c>--sessions regular</c> day bar of <c>kisrt bars --replay</c> must equal pandas'.
/// </summary>
public sealed class BarsPandasFullDayTests
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    /// <summary>
    /// Runs the simulator's market from <paramref name="start"/> to <paramref name="until"/> (KST) with
    /// <paramref name="feeds"/> subscribed and writes what it sends as a <c>kisrt record</c> folder: raw.log frames (what
    /// <c>kisrt bars --replay</c> reads) and TR.jsonl lines (what the script reads), received 3 ms after their stamp.
    /// </summary>
    private static string Record(DateTimeOffset start, DateTime until, (string Tr, string Key)[] feeds, int seed)
    {
        var sent = Simulate(start, until, feeds, seed, out var skipped);
        Assert.True(skipped > 20, $"only {skipped} trades skipped");
        return WriteRecording(sent, (_, at) => at.AddMilliseconds(3));
    }

    /// <summary>
    /// Every record the simulator's market sends from <paramref name="start"/> to <paramref name="until"/>, 5 % skipped
    /// (<paramref name="skipped"/>).
    /// </summary>
    internal static List<(string TrId, string Key, DateTime At, string Record)> Simulate(DateTimeOffset start, DateTime until,
        (string Tr, string Key)[] feeds, int seed, out int skipped, TimeSpan? step = null)
    {
        var wall = new Simulator.ManualTimeProvider(new DateTimeOffset(2026, 11, 25, 1, 0, 0, TimeSpan.Zero)); // any wall clock
        var skips = new RecordSkips(new SimulatorCounters().Tally);
        var market = new SimulatedMarket(SimulatorOptions.Default with { TimeProvider = wall, ClockSpeed = 600, MarketStart = start, Seed = seed }, skips);
        for (var i = 0; i < feeds.Length; i++) skips.SkipWithProbability(feeds[i].Tr, feeds[i].Key, 0.05, seed: seed + i);
        // 30 market seconds a step (50 ms at 600x) unless told, up to 3 trades per feed: every minute of a session has several trades.
        var sent = Simulator.MarketWeekTests.RunRaw(market, wall, feeds, until, perStep: 3, step: step);
        skipped = skips.Skipped.Count;
        return sent;
    }

    /// <summary>
    /// <paramref name="sent"/> as a <c>kisrt record</c> folder: TR.jsonl lines in the order sent (what the script reads,
    /// dated by their stamp 3 ms later) and raw.log frames received at <paramref name="receivedAt"/> (the index sent and
    /// the stamp in KST), in that order (what <c>kisrt bars --replay</c> reads); <paramref name="raw"/> may change a
    /// record on raw.log only.
    /// </summary>
    internal static string WriteRecording(List<(string TrId, string Key, DateTime At, string Record)> sent,
        Func<int, DateTimeOffset, DateTimeOffset> receivedAt, Func<int, string, string>? raw = null)
    {
        var dir = EmptyDirectory();
        var frames = new List<(DateTimeOffset At, int Index, byte[] Frame)>();
        for (var i = 0; i < sent.Count; i++)
        {
            var (trId, key, at, record) = sent[i];
            Assert.True(KisTrs.TryGet(trId, out var tr));
            var stamp = new DateTimeOffset(at, Kst);
            frames.Add((receivedAt(i, stamp), i, SyntheticRecording.Frame(tr, Encoding.ASCII.GetBytes(raw?.Invoke(i, record) ?? record))));
            Directory.CreateDirectory(Path.Combine(dir, Kis.Realtime.KisRecordingSource.TradingDayOf(stamp).ToString("yyyy-MM-dd",
                System.Globalization.CultureInfo.InvariantCulture)));
            UsRecording.AppendJson(dir, tr, Encoding.ASCII.GetBytes(record), key, stamp.AddMilliseconds(3));
        }
        using var recording = new SyntheticRecording(dir);
        foreach (var (at, _, frame) in frames.OrderBy(f => f.At).ThenBy(f => f.Index)) recording.Add(at, frame);
        return dir;
    }

    [PandasFact]
    public async Task A_whole_KRX_NXT_and_unified_day_with_NXT_s_pre_and_after_market_equals_pandas()
    {
        // Monday 2026-11-23, 07:59 to 20:01 KST: NXT's pre-market 08:00, KRX's day with its closing print, NXT's
        // after-market to 20:00; the unified feed is both.
        var dir = Record(new DateTimeOffset(2026, 11, 23, 7, 59, 0, Kst), new DateTime(2026, 11, 23, 20, 1, 0),
            [("H0STCNT0", "005930"), ("H0NXCNT0", "005930"), ("H0UNCNT0", "005930")], seed: 41);
        var missing = await CrossCheckAsync(dir, [("stock:005930", "H0STCNT0"), ("stock-nxt:005930", "H0NXCNT0"), ("stock-unified:005930", "H0UNCNT0")],
            minimumBars: 300, daily: "regular");
        Assert.True(missing > 0, "nothing skipped: the missing volume was not cross-checked");
    }

    [PandasFact]
    public async Task A_whole_US_session_across_KST_midnight_equals_pandas_on_New_York_time()
    {
        // Friday 2026-03-06 (EST): pre-market 04:00 New York = 18:00 KST to the after-market's 20:00 = 10:00 KST Saturday.
        var dir = Record(new DateTimeOffset(2026, 3, 6, 17, 59, 0, Kst), new DateTime(2026, 3, 7, 10, 1, 0), [("HDFSCNT0", "DNASAAPL")], seed: 43);
        Assert.True(await CrossCheckAsync(dir, [("us:DNASAAPL", "HDFSCNT0")], minimumBars: 900, daily: "regular") > 0, "nothing skipped");
    }

    [PandasFact]
    public async Task A_whole_night_futures_session_across_KST_midnight_equals_pandas()
    {
        // Monday 2026-03-09's night session, 18:00 to Tuesday 06:00 KST: one trading day; its day bar is extended (night).
        var dir = Record(new DateTimeOffset(2026, 3, 9, 17, 59, 0, Kst), new DateTime(2026, 3, 10, 6, 1, 0), [("H0MFCNT0", "101W12000")], seed: 47);
        Assert.True(await CrossCheckAsync(dir, [("night-futures:101W12000", "H0MFCNT0")], minimumBars: 600, daily: "extended") > 0, "nothing skipped");
    }
}
