using System.Globalization;
using System.Text.Json;
using Kis.Realtime.Cli.Commands;
using static Kis.Realtime.Tests.Cli.BarsPandasCrossCheckTests;
using static Kis.Realtime.Tests.Cli.BarsPandasFullDayTests;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 74 against the pandas truth (tools/bars-check), which reads the recording's TR.jsonl in exchange order: a
/// simulated KRX morning (5 % of its trades skipped) whose raw.log — what <c>kisrt bars --replay</c> reads — is received
/// in reverse at the day's pace, or shuffled within 30 s, or carries one trade with a corrupt cntg_vol. Receive times are
/// written explicitly, so nothing depends on the machine's pace.
/// </summary>
public sealed class BarsPandasDisorderTests
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);
    private static readonly (string Sub, string Tr)[] Krx = [("stock:005930", "H0STCNT0")];

    /// <summary>Monday 2026-11-23, 08:59 to 09:30 KST on KRX, up to 3 trades stamped every 6 s: some 800 trades over 30 minutes.</summary>
    private static List<(string TrId, string Key, DateTime At, string Record)> Morning(int seed)
    {
        var sent = Simulate(new DateTimeOffset(2026, 11, 23, 8, 59, 0, Kst), new DateTime(2026, 11, 23, 9, 30, 0), [("H0STCNT0", "005930")],
            seed, out var skipped,
            step: TimeSpan.FromMilliseconds(10));
        Assert.True(sent.Count > 500 && skipped > 3, $"{sent.Count} trades, {skipped} skipped");
        return sent;
    }

    [PandasFact]
    public async Task A_morning_received_last_first_at_its_pace_within_the_window_equals_the_pandas_bars_of_its_exchange_order()
    {
        var sent = Morning(seed: 51);
        var (dir, span) = Reversed(sent);
        // The window covers the morning's span: every record waits for those received after it, then goes on in order.
        var missing = await CrossCheckAsync(dir, Krx, reorderWindow: span + TimeSpan.FromMinutes(1), summaryOf: (_, summary) =>
            Assert.Contains("late trades 0 (in no bar)", summary, StringComparison.Ordinal));
        Assert.True(missing > 0, "nothing skipped: the missing volume was not cross-checked");
    }

    /// <summary>The last trade received first at its stamp plus 3 ms, each earlier one as much later as it was stamped earlier.</summary>
    private static (string Dir, TimeSpan Span) Reversed(List<(string TrId, string Key, DateTime At, string Record)> sent)
    {
        var last = new DateTimeOffset(sent.Max(s => s.At), Kst);
        var dir = WriteRecording(sent, (i, stamp) => last + (last - stamp) + TimeSpan.FromMilliseconds(3) + TimeSpan.FromTicks(10 * (sent.Count - i)));
        var received = ReceivedStamps(dir);
        Assert.True(received.Count == sent.Count && received.SequenceEqual(received.OrderDescending()), "raw.log is not last-first");
        return (dir, last - new DateTimeOffset(sent.Min(s => s.At), Kst));
    }

    [PandasFact]
    public async Task A_morning_received_last_first_with_the_default_window_ends_with_the_pandas_bars_after_its_revisions()
    {
        // Beyond the 5 s window every trade is late for the volume before the first one received: each goes into its
        // bar, emitted again as a revision. The last row per minute is the truth; the missing volume is the skipped trades'.
        var sent = Morning(seed: 53);
        var (dir, _) = Reversed(sent);
        var pandas = await PandasAsync(dir);
        var (bars, summary) = await KisrtBarsAsync(dir, "stock:005930", BarsArgs.DefaultReorderWindow);

        var final = bars.GroupBy(b => b.GetProperty("open_time").GetString()).Select(g => Values(g.Last()))
            .OrderBy(b => b.Open, StringComparer.Ordinal).ToList();
        Assert.True(bars.Count > final.Count, "no bar was revised: the trades were not late");
        Assert.Equal(pandas.Bars.Select(Values), final);
        // The missing volume is pandas' (never "gaps 0 (missing volume 0)"); the gap count is not: the skipped trades'
        // holes are what is left of the one gap the first trade received opened (kisrt says 1 where pandas says 36).
        var gaps = System.Text.RegularExpressions.Regex.Match(summary, @"gaps (\d+) \(missing volume ([\d,]+)\)");
        Assert.True(gaps.Success && gaps.Groups[2].Value == pandas.Missing.ToString("N0", CultureInfo.InvariantCulture) && int.Parse(gaps.Groups[1].Value,
            CultureInfo.InvariantCulture) >= 1, $"pandas: gaps {pandas.Gaps} (missing volume {pandas.Missing:N0}); kisrt: {summary}");
        Assert.True(pandas.Missing > 0, "nothing skipped");
        Assert.DoesNotContain("corrupt", summary, StringComparison.Ordinal);
        // Every trade is in a bar or its volume is missing: the day adds up to the last acml_vol.
        Assert.Equal(LastAccumulated(sent), final.Sum(b => b.Volume) + pandas.Missing);
    }

    [PandasFact]
    public async Task A_morning_shuffled_within_30_s_with_a_35_s_window_equals_the_pandas_bars()
    {
        var sent = Morning(seed: 55);
        var random = new Random(55);
        var dir = WriteRecording(sent, (_, stamp) =>
            stamp + TimeSpan.FromMilliseconds(3) + TimeSpan.FromTicks((long)(random.NextDouble() * TimeSpan.TicksPerSecond * 30)));
        var received = ReceivedStamps(dir);
        var back20 = received.Select((at, i) => (at, i)).Count(r => received.Take(r.i).Any(before => before > r.at.AddSeconds(20)));
        Assert.True(back20 > 20, $"only {back20} trades received after one stamped 20 s later");

        var missing = await CrossCheckAsync(dir, Krx, reorderWindow: TimeSpan.FromSeconds(35), summaryOf: (_, summary) =>
            Assert.Contains("late trades 0 (in no bar)", summary, StringComparison.Ordinal));
        Assert.True(missing > 0, "nothing skipped");
    }

    [PandasFact]
    public async Task A_corrupt_cntg_vol_leaves_the_day_at_its_last_acml_vol_equal_to_pandas_of_the_true_trade_and_is_named()
    {
        var sent = Morning(seed: 57);
        var tr = KisTrs.H0STCNT0;
        // A trade in the middle that continues the one before it (no skipped trade between): its step is its own volume.
        var target = Enumerable.Range(sent.Count / 2, sent.Count / 2).First(i =>
            Field(sent[i].Record, "acml_vol") - Field(sent[i].Record, "cntg_vol") == Field(sent[i - 1].Record, "acml_vol"));
        var volume = Field(sent[target].Record, "cntg_vol");
        var dir = WriteRecording(sent, (_, stamp) => stamp + TimeSpan.FromMilliseconds(3), (i, record) =>
        {
            if (i != target) return record;
            var fields = record.Split('^');
            fields[tr.IndexOf("cntg_vol")] = (volume * 10).ToString(CultureInfo.InvariantCulture);
            return string.Join('^', fields);
        });

        var summaries = new List<string>();
        var missing = await CrossCheckAsync(dir, Krx, daily: "regular", summaryOf: (_, summary) => summaries.Add(summary));
        var at = sent[target].At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        Assert.All(summaries, s => Assert.Contains($"corrupt trade volumes 1 (first at {at}: cntg_vol {volume * 10}, the acml_vol step {volume})", s,
            StringComparison.Ordinal));

        // The day bar (KRX's regular session is the whole morning) and the missing volume add up to the last acml_vol.
        var (days, _) = await KisrtBarsAsync(dir, "stock:005930", BarsArgs.DefaultReorderWindow, "1d", "regular");
        Assert.Equal(LastAccumulated(sent), Assert.Single(days).GetProperty("volume").GetInt64() + missing);
    }

    private static long Field(string record, string name) => long.Parse(record.Split('^')[KisTrs.H0STCNT0.IndexOf(name)], CultureInfo.InvariantCulture);

    private static long LastAccumulated(List<(string TrId, string Key, DateTime At, string Record)> sent) => sent.Max(s => Field(s.Record, "acml_vol"));

    /// <summary>The stamps (stck_cntg_hour on 2026-11-23) of raw.log's records in the order received.</summary>
    private static List<DateTime> ReceivedStamps(string dir) =>
    [
        .. File.ReadAllLines(Path.Combine(dir, "2026-11-23", "raw.log")).Where(l => l.Length > 0).Select(l =>
        {
            var fields = l.Split('|')[3].Split('^');
            var time = fields[KisTrs.H0STCNT0.IndexOf("stck_cntg_hour")];
            return new DateTime(2026, 11, 23).Add(TimeSpan.ParseExact(time, "hhmmss", CultureInfo.InvariantCulture));
        }),
    ];

    /// <summary>A bar's values a revision may correct (its flags aside: a revision says "revised").</summary>
    private static (string? Open, decimal O, decimal H, decimal L, decimal C, long Volume, long Trades) Values(JsonElement bar) =>
        (bar.GetProperty("open_time").GetString(), bar.GetProperty("open").GetDecimal(), bar.GetProperty("high").GetDecimal(),
         bar.GetProperty("low").GetDecimal(), bar.GetProperty("close").GetDecimal(), bar.GetProperty("volume").GetInt64(),
         bar.GetProperty("trade_count").GetInt64());

    /// <summary>The script's 1-minute bars and gap summary of H0STCNT0 005930.</summary>
    private static async Task<(List<JsonElement> Bars, long Gaps, long Missing)> PandasAsync(string dir)
    {
        var script = Path.Combine(RepoRoot(), "tools", "bars-check", "bars_check.py");
        var bars = Path.Combine(dir, "pandas-bars.jsonl");
        var summary = Path.Combine(dir, "pandas-summary.jsonl");
        using (var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Python!, [script, dir, "--out", bars, "--summary", summary])
            { RedirectStandardError = true })!)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(p.ExitCode == 0, $"bars_check.py exit {p.ExitCode}: {await stderr}");
        }
        var line = Assert.Single(JsonLines(await File.ReadAllTextAsync(summary)));
        return ([.. JsonLines(await File.ReadAllTextAsync(bars))], line.GetProperty("gaps").GetInt64(), line.GetProperty("missing_volume").GetInt64());
    }

    private static async Task<(List<JsonElement> Bars, string Summary)> KisrtBarsAsync(string dir, string sub, TimeSpan reorderWindow,
        string interval = "1m", string? sessions = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = [sub] }, new BarsArgs
            { Replay = dir, Format = "jsonl", Interval = interval, Sessions = sessions, ReorderWindow = reorderWindow }, Env(), stdout, stderr, default)
            .WaitAsync(CliTimeout);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        return ([.. JsonLines(stdout.ToString())], stderr.ToString());
    }
}
