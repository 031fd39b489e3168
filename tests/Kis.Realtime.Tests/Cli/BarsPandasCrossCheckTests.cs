using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// `kisrt bars --replay` against tools/bars-check/bars_check.py, which rebuilds the bars and the missing volume from the
/// same recording with pandas from the documented rules alone (issue #33): minute for minute equal, equal missing volume.
/// </summary>
public sealed partial class BarsPandasCrossCheckTests
{
    private static readonly (string Sub, string Tr)[] Feeds = [("stock:005930", "H0STCNT0"), ("stock-nxt:005930", "H0NXCNT0"),
        ("stock-unified:005930", "H0UNCNT0")];

    /// <summary>Debian's python3 (apt's python3-pandas is for it: scripts/python.sh), else the first on PATH; null without pandas.</summary>
    private static string? PythonWithPandas()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("KISRT_PYTHON"), "/usr/bin/python3", "python3" })
        {
            if (string.IsNullOrEmpty(candidate)) continue;
            try
            {
                using var p = Process.Start(
                    new ProcessStartInfo(candidate, ["-c", "import pandas"]) { RedirectStandardError = true, RedirectStandardOutput = true });
                if (p is null) continue;
                p.WaitForExit(60_000);
                if (p.HasExited && p.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under that name
            }
        }
        return null;
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "tools", "bars-check", "bars_check.py"))) return dir.FullName;
        throw new InvalidOperationException("tools/bars-check/bars_check.py not found above " + AppContext.BaseDirectory);
    }

    /// <summary>About <paramref name="minutes"/> market minutes of 005930 on KRX, NXT and unified, 5 % of the trades skipped.</summary>
    private static async Task<string> RecordAsync(int minutes)
    {
        var time = new Kis.Realtime.Tests.Bars.HeldMarketTime();
        await using var sim = await StartSimAsync(o => o with { ClockSpeed = 600, Pace = MarketPace.PerSecond(300), Seed = 11, TimeProvider = time });
        for (var i = 0; i < Feeds.Length; i++) sim.Faults.SkipRecords(Feeds[i].Tr, "005930", 0.05, seed: 20 + i);
        var dir = EmptyDirectory();
        Task<KisFileRecording> recording;
        await using (var client = new KisRealtimeClient(Options(sim)))
        {
            recording = KisFileRecorder.RecordAsync(client, dir);
            await client.ConnectAsync();
            using var timeout = new CancellationTokenSource(CliTimeout);
            var krx = client.SubscribeStockTradesAsync("005930", cancellationToken: timeout.Token);
            var nxt = client.SubscribeStockTradesAsync("005930", StockVenue.Nxt, cancellationToken: timeout.Token);
            var unified = client.SubscribeStockTradesAsync("005930", StockVenue.Unified, cancellationToken: timeout.Token);
            // Each drain subscribes when it starts; the clock runs once all three are confirmed (run before, a loaded
            // machine's first trades came after 09:15 and the recording held a minute or none).
            var confirmed = sim.Counters.Replies("OPSP0000");
            var drains = new[] { Drain(nxt), Drain(unified), Drain(krx) };
            await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= confirmed + Feeds.Length || drains.Any(d => d.IsCompleted),
                "the three subscriptions confirmed", CliTimeout);
            time.Run();
            await Task.WhenAll(drains);

            // Until 09:mm and at least that many minutes with a trade: a stalled send loop (600x: a market minute is 0.1 s)
            // stamps a burst with one late minute, so the clock alone does not say how many minutes were recorded.
            async Task Drain(IAsyncEnumerable<StockTrade> trades)
            {
                var seen = new HashSet<TimeOnly>();
                await foreach (var trade in trades)
                {
                    seen.Add(new TimeOnly(trade.Time.Hour, trade.Time.Minute));
                    if (trade.Time >= new TimeOnly(9, minutes) && seen.Count >= minutes) break;
                }
            }
        }
        await recording.WaitAsync(CliTimeout);
        return dir;
    }

    [GeneratedRegex(@"gaps (\d+) \(missing volume ([\d,]+)\)")]
    private static partial Regex SummaryGaps();

    /// <summary>Skipped, with the reason, only where python3 with pandas is missing (scripts/test.sh installs it in CI).</summary>
    public sealed class PandasFactAttribute : FactAttribute
    {
        public PandasFactAttribute()
        {
            if (Python is null) Skip = "python3 with pandas is missing: run scripts/python.sh (apt-get install python3-pandas) to run the cross-check";
        }
    }

    internal static readonly string? Python = PythonWithPandas();

    [PandasFact]
    public async Task Kisrt_bars_equal_the_pandas_rebuild_minute_for_minute_with_equal_missing_volume()
    {
        var dir = await RecordAsync(15);

        var totalMissing = await CrossCheckAsync(dir, Feeds);
        Assert.True(totalMissing > 0, "the skip fault skipped nothing: the missing volume was not cross-checked");
    }

    [PandasFact]
    public async Task A_us_session_across_kst_midnight_and_a_summer_time_change_gives_the_pandas_bars_on_new_york_time()
    {
        // Friday 2026-03-06 (EST, UTC-5): 09:59–10:01 New York = 23:59–00:01 KST; Monday 2026-03-09 (EDT, UTC-4) after
        // the change on Sunday 03-08: 09:40 New York = 22:40 KST. tvol restarts each New York day; 40 shares skipped.
        var dir = EmptyDirectory();
        using (var recording = new UsRecording(dir))
        {
            recording.Trade("20260306", "20260306", "235930", 230.50m, 100, 100);
            recording.Trade("20260306", "20260306", "235959", 230.75m, 50, 150);
            recording.Trade("20260306", "20260307", "000010", 231.00m, 20, 210); // 40 skipped before it, after KST midnight
            recording.Trade("20260306", "20260307", "000105", 230.25m, 30, 240);
            recording.Trade("20260309", "20260309", "224000", 235.00m, 10, 10);  // a new New York day: tvol starts again
            recording.Trade("20260309", "20260309", "224130", 235.10m, 5, 15);
        }
        var totalMissing = await CrossCheckAsync(dir, [("us:DNASAAPL", "HDFSCNT0")], minimumBars: 4);
        Assert.Equal(40, totalMissing);
    }

    /// <summary>
    /// DNASAAPL's HDFSCNT0 trades recorded from the simulator's own US session (<see cref="SimulatorOptions.MarketStart"/>),
    /// 5 % skipped, until <paramref name="until"/> KST.
    /// </summary>
    private static async Task<string> RecordUsSessionAsync(DateTimeOffset start, DateTime until)
    {
        var time = new Kis.Realtime.Tests.Bars.HeldMarketTime();
        await using var sim = await StartSimAsync(o => o
            with { ClockSpeed = 600, Pace = MarketPace.PerSecond(300), Seed = 13, TimeProvider = time, MarketStart = start });
        sim.Faults.SkipRecords("HDFSCNT0", "DNASAAPL", 0.05, seed: 31);
        var dir = EmptyDirectory();
        Task<KisFileRecording> recording;
        await using (var client = new KisRealtimeClient(Options(sim)))
        {
            recording = KisFileRecorder.RecordAsync(client, dir);
            await client.ConnectAsync();
            using var timeout = new CancellationTokenSource(CliTimeout);
            var confirmed = sim.Counters.Replies("OPSP0000");
            await using var trades = client.SubscribeOverseasStockTradesAsync("DNASAAPL", cancellationToken: timeout.Token).GetAsyncEnumerator(timeout.Token);
            var next = trades.MoveNextAsync(); // subscribes; completes at the first trade, after Run
            await UntilAsync(() => sim.Counters.Replies("OPSP0000") > confirmed || next.IsCompleted, "the subscription confirmed", CliTimeout);
            time.Run();
            // Until then and at least ten minutes with a trade (the cross-check's floor), however late a loaded machine sent them.
            var seen = new HashSet<DateTime>();
            while (await next)
            {
                var trade = trades.Current;
                if (trade.KoreaDate is { } date)
                {
                    var at = date.ToDateTime(trade.KoreaTime);
                    seen.Add(at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMinute)));
                    if (at >= until && seen.Count >= 10) break;
                }
                next = trades.MoveNextAsync();
            }
        }
        await recording.WaitAsync(CliTimeout);
        return dir;
    }

    [PandasFact]
    public async Task A_simulated_us_open_after_the_summer_time_change_gives_the_pandas_bars()
    {
        // Monday 2026-03-09, EDT since Sunday: pre-market 09:25 New York = 22:25 KST through the 09:30 (22:30 KST) open.
        var dir = await RecordUsSessionAsync(new DateTimeOffset(2026, 3, 9, 22, 25, 0, TimeSpan.FromHours(9)), new DateTime(2026, 3, 9, 22, 42, 0));
        Assert.True(await CrossCheckAsync(dir, [("us:DNASAAPL", "HDFSCNT0")]) > 0, "the skip fault skipped nothing");
    }

    /// <summary>
    /// Runs the script over <paramref name="dir"/> and `kisrt bars --replay` per feed; asserts equal bars (every field)
    /// and equal gaps and missing volume; with <paramref name="daily"/> (regular, extended) also the day bars of
    /// `--interval 1d --sessions <paramref name="daily"/>`; with <paramref name="reorderWindow"/>, `--reorder-window` that
    /// long; <paramref name="summaryOf"/> gets each run's stderr (its summary). Returns the missing volume of all feeds.
    /// </summary>
    internal static async Task<long> CrossCheckAsync(string dir, (string Sub, string Tr)[] feeds, int minimumBars = 10, string? daily = null,
        TimeSpan? reorderWindow = null, Action<string, string>? summaryOf = null)
    {
        var script = Path.Combine(RepoRoot(), "tools", "bars-check", "bars_check.py");
        var pandasBars = Path.Combine(dir, "pandas-bars.jsonl");
        var pandasSummary = Path.Combine(dir, "pandas-summary.jsonl");
        var pandasDays = Path.Combine(dir, "pandas-days.jsonl");
        string[] arguments = daily is null ? [script, dir, "--out", pandasBars, "--summary", pandasSummary]
            : [script, dir, "--out", pandasBars, "--summary", pandasSummary, "--daily", daily, "--daily-out", pandasDays];
        using (var p = Process.Start(new ProcessStartInfo(Python!, arguments) { RedirectStandardError = true })!)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(p.ExitCode == 0, $"bars_check.py exit {p.ExitCode}: {await stderr}");
        }
        var expected = JsonLines(await File.ReadAllTextAsync(pandasBars)).ToLookup(b => b.GetProperty("tr_id").GetString());
        var summaries = JsonLines(await File.ReadAllTextAsync(pandasSummary)).ToDictionary(s => s.GetProperty("tr_id").GetString()!);
        var days = daily is null ? null : JsonLines(await File.ReadAllTextAsync(pandasDays)).ToLookup(b => b.GetProperty("tr_id").GetString());

        long totalMissing = 0;
        foreach (var (sub, tr) in feeds)
        {
            var wanted = expected[tr].ToList();
            Assert.True(wanted.Count >= minimumBars, $"{tr}: only {wanted.Count} pandas bars");
            var window = reorderWindow ?? BarsArgs.DefaultReorderWindow;
            summaryOf?.Invoke(sub, await AssertKisrtBarsAsync(dir, sub, "1m", null, wanted, summaries[tr], window));
            if (days is not null) summaryOf?.Invoke(sub, await AssertKisrtBarsAsync(dir, sub, "1d", daily, days[tr].ToList(), summaries[tr], window));
            totalMissing += summaries[tr].GetProperty("missing_volume").GetInt64();
        }
        return totalMissing;
    }

    /// <summary>
    /// `kisrt bars --replay DIR --interval I [--sessions S] --reorder-window W` gives <paramref name="wanted"/> and the
    /// summary's gaps; returns its stderr.
    /// </summary>
    private static async Task<string> AssertKisrtBarsAsync(string dir, string sub, string interval, string? sessions, List<JsonElement> wanted,
        JsonElement summary, TimeSpan reorderWindow)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = [sub] },
            new BarsArgs { Replay = dir, Format = "jsonl", Interval = interval, Sessions = sessions, ReorderWindow = reorderWindow }, Env(), stdout,
            stderr, default).WaitAsync(CliTimeout);
        Assert.True(exit == 0, $"{sub} {interval} {sessions}: exit {exit}: {stderr}");
        var actual = JsonLines(stdout.ToString());
        Assert.Equal(wanted.Select(Text), actual.Select(Text)); // every field of every bar, as text

        var gaps = SummaryGaps().Match(stderr.ToString());
        Assert.True(gaps.Success, stderr.ToString());
        Assert.Equal((summary.GetProperty("gaps").GetInt64(), summary.GetProperty("missing_volume").GetInt64()),
            (long.Parse(gaps.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
             long.Parse(gaps.Groups[2].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture)));
        return stderr.ToString();
    }

    /// <summary>
    /// A hand-made recording of DNASAAPL's HDFSCNT0 trades: raw.log (what kisrt bars replays) and HDFSCNT0.jsonl (what the
    /// script reads), written as the recorder writes them (RecordJson).
    /// </summary>
    internal sealed class UsRecording(string dir) : IDisposable
    {
        private readonly Kis.Realtime.Benchmarks.SyntheticRecording _raw = new(dir);
        private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

        public void Trade(string tymd, string kymd, string khms, decimal price, long volume, long accumulated)
        {
            var tr = KisTrs.HDFSCNT0;
            var kst = new DateTimeOffset(DateTime.ParseExact(kymd + khms, "yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture),
                TimeSpan.FromHours(9));
            var local = TimeZoneInfo.ConvertTime(kst, NewYork);
            var fields = System.Text.Encoding.ASCII.GetString(Kis.Realtime.Benchmarks.SyntheticRecording.Record(tr, "DNASAAPL", 1)).Split('^');
            void Set(string name, string value) => fields[tr.IndexOf(name)] = value;
            Set("symb", "AAPL");
            Set("zdiv", "4");
            Set("tymd", tymd);
            Set("xymd", local.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture));
            Set("xhms", local.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture));
            Set("kymd", kymd);
            Set("khms", khms);
            Set("last", price.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture));
            Set("evol", volume.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set("tvol", accumulated.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var record = System.Text.Encoding.ASCII.GetBytes(string.Join('^', fields));
            var receivedAt = kst.AddMilliseconds(3);
            _raw.Add(receivedAt, Kis.Realtime.Benchmarks.SyntheticRecording.Frame(tr, record));
            AppendJson(dir, tr, record, "DNASAAPL", receivedAt);
        }

        /// <summary>The record's line in its day's TR.jsonl, as the recorder writes it (the raw.log line must be added first).</summary>
        public static void AppendJson(string dir, TrDefinition tr, byte[] record, string key, DateTimeOffset receivedAt)
        {
            var folder = Path.Combine(dir,
                Kis.Realtime.KisRecordingSource.TradingDayOf(receivedAt).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer, Kis.Realtime.Formatting.RecordJson.WriterOptions))
                Kis.Realtime.Formatting.RecordJson.Write(json, tr, record, key, receivedAt);
            File.AppendAllText(Path.Combine(folder, tr.Id + ".jsonl"), System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n");
        }

        public void Dispose() => _raw.Dispose();
    }

    // A bar as one comparable line: numbers by value (65800 and 65800.0 are one price), fields in kisrt's order.
    private static string Text(JsonElement bar) => string.Join(" ", bar.EnumerateObject().Select(p => p.Value.ValueKind switch
    {
        JsonValueKind.Number => $"{p.Name}={p.Value.GetDecimal():G29}",
        JsonValueKind.Array => $"{p.Name}=[{string.Join(",", p.Value.EnumerateArray().Select(v => v.GetString()))}]",
        _ => $"{p.Name}={p.Value}",
    }));
}
