using Kis.Realtime.Benchmarks;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Tests.Cli;
using Kis.Realtime.Tests.Dashboard;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 43 (3): <c>kisrt backtest</c>'s report.html opened from disk in headless chromium: no console error, no page
/// error, no request but the file itself, and the charts drawn (the equity curve, the price with the fills on it).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BacktestReportBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task The_report_opens_in_chromium_without_errors_or_requests_and_draws_its_charts()
    {
        var recording = SyntheticRecording.WriteTradingDay(CliTestKit.EmptyDirectory(), 1200);
        var output = Path.Combine(CliTestKit.EmptyDirectory(), "out");
        var exit = await BacktestCommand.RunAsync(new BacktestArgs { Replay = recording, Out = output }, TextWriter.Null, TextWriter.Null, default)
            .WaitAsync(CliTestKit.CliTimeout);
        Assert.Equal(0, exit);
        var report = Path.Combine(output, "report.html");

        var page = await browser.Context.NewPageAsync();
        var problems = new List<string>();
        var requests = new List<string>();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") problems.Add($"console {message.Type}: {message.Text}"); };
        page.PageError += (_, error) => problems.Add($"page error: {error}");
        page.Request += (_, request) => requests.Add(request.Url);
        var url = new Uri(report).AbsoluteUri;
        await page.GotoAsync(url);

        Assert.Empty(problems);
        Assert.Equal([url], requests);
        Assert.Equal("Backtest report", await page.TitleAsync());
        var equity = await page.Locator("#chart-equity polyline").BoundingBoxAsync();
        Assert.True(equity is { Width: > 100, Height: > 10 }, $"equity curve box {equity?.Width} x {equity?.Height}");
        Assert.True(await page.Locator("#chart-005930 polygon.buy").CountAsync() > 0);
        Assert.True(await page.Locator("#chart-005930 polygon.sell").CountAsync() > 0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "backtest-report.png"), FullPage = true });
        await page.CloseAsync();
    }
}
