using System.Diagnostics;
using System.Globalization;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Tests.Cli;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 43 (3, 5): <c>kisrt backtest</c> over a recording: its files, its summary, its P&amp;L and costs equal to a pandas
/// recomputation from its fills (tools/backtest-check), and a report that is one self-contained page.
/// </summary>
public sealed class BacktestCliTests
{
    private static async Task<(string Out, string Stdout, string Stderr)> BacktestAsync()
    {
        var dir = BacktestRecording.Write(CliTestKit.EmptyDirectory(), 1200);
        var output = Path.Combine(CliTestKit.EmptyDirectory(), "out");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await BacktestCommand.RunAsync(new BacktestArgs { Replay = dir, Out = output,
            Latency = TimeSpan.Parse("00:00:00.005", System.Globalization.CultureInfo.InvariantCulture) },
            stdout, stderr, default).WaitAsync(CliTestKit.CliTimeout);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        return (output, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Kisrt_backtest_writes_its_files_prints_the_summary_and_ends_with_done()
    {
        var (output, stdout, stderr) = await BacktestAsync();
        foreach (var file in new[] { "fills.csv", "orders.csv", "equity.csv", "summary.json", "report.html" })
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        Assert.Contains("net P&L", stdout);
        Assert.Contains("005930: tape 1,200 trades", stdout);
        Assert.EndsWith("kisrt backtest: done", stderr.TrimEnd());
    }

    [Fact]
    public async Task An_unknown_strategy_or_a_missing_folder_is_a_usage_error()
    {
        var dir = BacktestRecording.Write(CliTestKit.EmptyDirectory(), 10);
        await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliUsageException>(() =>
            BacktestCommand.RunAsync(new BacktestArgs { Replay = dir, Strategy = "no-such" }, TextWriter.Null, TextWriter.Null, default));
        await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliUsageException>(() =>
            BacktestCommand.RunAsync(new BacktestArgs { Replay = dir + "-missing" }, TextWriter.Null, TextWriter.Null, default));
    }

    [Fact]
    public async Task The_report_is_one_self_contained_page_with_the_equity_curve_and_the_fills_over_the_price()
    {
        var (output, _, _) = await BacktestAsync();
        var html = await File.ReadAllTextAsync(Path.Combine(output, "report.html"));
        // Nothing fetched: no script, stylesheet, image or frame from anywhere, no URL at all.
        foreach (var outside in new[] { "http:", "https:", "src=", "href=", "<script", "<link", "<img", "<iframe", "url(", "@import" })
            Assert.DoesNotContain(outside, html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<svg id=\"chart-equity\"", html);
        Assert.Contains("<svg id=\"chart-005930\"", html);
        Assert.Contains("<polygon class=\"buy\"", html);
        Assert.Contains("<polyline class=\"line\"", html);
        System.Xml.Linq.XDocument.Parse(html[html.IndexOf("<html", StringComparison.Ordinal)..]); // well-formed: every element closed
    }

    [Fact]
    public async Task Each_fill_mark_names_its_row_of_the_fills_file()
    {
        // Two writers of one fill: fills.csv and the report's mark (side, quantity, price, time and liquidity in its title).
        var (output, _, _) = await BacktestAsync();
        var rows = File.ReadAllLines(Path.Combine(output, "fills.csv")).Skip(1).Select(line => line.Split(','))
            .Where(f => f[3] == "005930").ToList();
        Assert.True(rows.Count > 5, "too few fills to check");
        var expected = rows.Select(f => string.Create(CultureInfo.InvariantCulture,
            $"{f[4]} {long.Parse(f[5], CultureInfo.InvariantCulture)} @ {decimal.Parse(f[6], CultureInfo.InvariantCulture):#,##0.##} " +
            $"{DateTimeOffset.Parse(f[1], CultureInfo.InvariantCulture).ToOffset(TimeSpan.FromHours(9)).DateTime:yyyy-MM-dd HH:mm:ss} KST ({f[9]})"));
        var html = await File.ReadAllTextAsync(Path.Combine(output, "report.html"));
        var titles = System.Text.RegularExpressions.Regex.Matches(html, "<polygon class=\"(?:buy|sell)\"[^>]*><title>([^<]*)</title>")
            .Select(m => m.Groups[1].Value);
        Assert.Equal(expected, titles);
    }

    [BarsPandasCrossCheckTests.PandasFact]
    public async Task The_pandas_recomputation_from_the_fills_file_equals_the_pnl_and_the_costs()
    {
        var (output, _, _) = await BacktestAsync();
        Assert.True(File.ReadAllLines(Path.Combine(output, "fills.csv")).Length > 5, "too few fills to check");
        var script = Path.Combine(BarsPandasCrossCheckTests.RepoRoot(), "tools", "backtest-check", "backtest_check.py");
        using var p = Process.Start(new ProcessStartInfo(BarsPandasCrossCheckTests.Python!, [script, output]) { RedirectStandardError = true,
            RedirectStandardOutput = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(p.ExitCode == 0, $"backtest_check.py exit {p.ExitCode}: {await stdout} {await stderr}");
        Assert.Contains("\"problems\": []", await stdout);
    }
}
