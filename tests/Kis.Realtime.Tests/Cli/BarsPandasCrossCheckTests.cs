using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Recording;
using Kis.Realtime.Simulator;
using Kis.Realtime.Trs;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// `kisrt bars --replay` against tools/bars-check/bars_check.py, which rebuilds the bars and the missing volume from the
/// same recording with pandas from the documented rules alone (issue #33): minute for minute equal, equal missing volume.
/// </summary>
public sealed partial class BarsPandasCrossCheckTests
{
    private static readonly (string Sub, string Tr)[] Feeds = [("stock:005930", "H0STCNT0"), ("stock-nxt:005930", "H0NXCNT0"), ("stock-unified:005930", "H0UNCNT0")];

    /// <summary>Debian's python3 (apt's python3-pandas is for it: scripts/python.sh), else the first on PATH; null without pandas.</summary>
    private static string? PythonWithPandas()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("KISRT_PYTHON"), "/usr/bin/python3", "python3" })
        {
            if (string.IsNullOrEmpty(candidate)) continue;
            try
            {
                using var p = Process.Start(new ProcessStartInfo(candidate, ["-c", "import pandas"]) { RedirectStandardError = true, RedirectStandardOutput = true });
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

    private static string RepoRoot()
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
            time.Run();
            await Task.WhenAll(Drain(nxt), Drain(unified), Drain(krx));

            async Task Drain(IAsyncEnumerable<StockTrade> trades)
            {
                await foreach (var trade in trades)
                    if (trade.Time >= new TimeOnly(9, minutes)) break;
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

    private static readonly string? Python = PythonWithPandas();

    [PandasFact]
    public async Task Kisrt_bars_equal_the_pandas_rebuild_minute_for_minute_with_equal_missing_volume()
    {
        var python = Python!;
        var dir = await RecordAsync(15);

        var script = Path.Combine(RepoRoot(), "tools", "bars-check", "bars_check.py");
        var pandasBars = Path.Combine(dir, "pandas-bars.jsonl");
        var pandasSummary = Path.Combine(dir, "pandas-summary.jsonl");
        using (var p = Process.Start(new ProcessStartInfo(python, [script, dir, "--out", pandasBars, "--summary", pandasSummary]) { RedirectStandardError = true })!)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(p.ExitCode == 0, $"bars_check.py exit {p.ExitCode}: {await stderr}");
        }
        var expected = JsonLines(await File.ReadAllTextAsync(pandasBars)).ToLookup(b => b.GetProperty("tr_id").GetString());
        var summaries = JsonLines(await File.ReadAllTextAsync(pandasSummary)).ToDictionary(s => s.GetProperty("tr_id").GetString()!);

        long totalMissing = 0;
        foreach (var (sub, tr) in Feeds)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var exit = await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = [sub] },
                new BarsArgs { Replay = dir, Format = "jsonl", Interval = "1m" }, Env(), stdout, stderr, default).WaitAsync(CliTimeout);
            Assert.True(exit == 0, $"{sub}: exit {exit}: {stderr}");
            var actual = JsonLines(stdout.ToString());
            var wanted = expected[tr].ToList();
            Assert.True(wanted.Count >= 10, $"{tr}: only {wanted.Count} pandas bars");
            Assert.Equal(wanted.Select(Text), actual.Select(Text)); // every field of every minute, as text

            var gaps = SummaryGaps().Match(stderr.ToString());
            Assert.True(gaps.Success, stderr.ToString());
            var summary = summaries[tr];
            Assert.Equal((summary.GetProperty("gaps").GetInt64(), summary.GetProperty("missing_volume").GetInt64()),
                (long.Parse(gaps.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                 long.Parse(gaps.Groups[2].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture)));
            totalMissing += summary.GetProperty("missing_volume").GetInt64();
        }
        Assert.True(totalMissing > 0, "the skip fault skipped nothing: the missing volume was not cross-checked");
    }

    // A bar as one comparable line: numbers by value (65800 and 65800.0 are one price), fields in kisrt's order.
    private static string Text(JsonElement bar) => string.Join(" ", bar.EnumerateObject().Select(p => p.Value.ValueKind switch
    {
        JsonValueKind.Number => $"{p.Name}={p.Value.GetDecimal():G29}",
        JsonValueKind.Array => $"{p.Name}=[{string.Join(",", p.Value.EnumerateArray().Select(v => v.GetString()))}]",
        _ => $"{p.Name}={p.Value}",
    }));
}
