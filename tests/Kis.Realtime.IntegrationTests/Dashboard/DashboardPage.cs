using Kis.Realtime.Cli.Dashboard;
using Kis.Realtime.Tests.Cli;
using Microsoft.Playwright;

namespace Kis.Realtime.Tests.Dashboard;

/// <summary>A dashboard (built-in simulator, in-process) and one page on it, with the page's console errors collected.</summary>
internal sealed class DashboardPage : IAsyncDisposable
{
    public static readonly float WaitMs = 45_000; // generous: the machine running CI is shared and slow

    private DashboardPage(DashboardHost host, IPage page)
    {
        Host = host;
        Page = page;
        page.Console += (_, m) => { if (m.Type == "error") lock (Errors) Errors.Add($"console: {m.Text}"); };
        page.PageError += (_, e) => { lock (Errors) Errors.Add($"page error: {e}"); };
        page.RequestFailed += (_, r) => { if (!r.Url.EndsWith("/events")) lock (Errors) Errors.Add($"request failed: {r.Url} {r.Failure}"); };
        page.Response += (_, r) => { if (r.Status >= 400) lock (Errors) Errors.Add($"HTTP {r.Status}: {r.Url}"); };
    }

    public DashboardHost Host { get; }
    public IPage Page { get; }
    public List<string> Errors { get; } = [];

    public static Task<DashboardPage> OpenAsync(BrowserFixture browser, string pace = "20", params string[] subs) =>
        OpenAsync(browser, new Kis.Realtime.Cli.Commands.ConnectionArgs { Subscriptions = subs, SimulatorPace = pace });

    public static async Task<DashboardPage> OpenAsync(BrowserFixture browser, Kis.Realtime.Cli.Commands.ConnectionArgs connection)
    {
        var host = await DashboardHost.StartAsync(connection, port: 0, CliTestKit.Env(), TextWriter.Null, CancellationToken.None);
        try
        {
            var page = await browser.Context.NewPageAsync();
            var dashboard = new DashboardPage(host, page);
            await page.GotoAsync(host.Url.ToString(), new PageGotoOptions { Timeout = WaitMs });
            return dashboard;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public Task WaitForAsync(string condition) =>
        Page.WaitForFunctionAsync(condition, null, new PageWaitForFunctionOptions { Timeout = WaitMs, PollingInterval = 100 });

    public Task<int> NumberAsync(string expression) => Page.EvaluateAsync<int>($"() => Number({expression} ?? 0)");

    /// <summary>The value of a health figure as shown (e.g. "reconnects").</summary>
    public Task<string> FigureAsync(string name) => Page.Locator($"#panel-health dd[data-figure='{name}']").InnerTextAsync();

    public async Task ScreenshotAsync(string panel, string name)
    {
        var path = Path.Combine(BrowserFixture.ArtifactsDirectory, name + ".png");
        await Page.Locator($"#panel-{panel}").ScreenshotAsync(new LocatorScreenshotOptions { Path = path, Timeout = WaitMs });
        Assert.True(new FileInfo(path).Length > 1000, $"screenshot {path} is empty");
    }

    public async ValueTask DisposeAsync()
    {
        await Page.CloseAsync();
        await Host.DisposeAsync();
    }
}
