using Microsoft.Playwright;

namespace Kis.Realtime.Tests.Dashboard;

/// <summary>
/// The whole page at 1400×900, as a person sees it: every panel with data, nothing beyond the viewport, no horizontal
/// scrolling in the tape, the right third used, readable axes, a candle time axis, real order numbers. Saves the page
/// to the test artifacts, and with KISRT_UPDATE_DOCS_PICTURE=1 also to docs/dashboard.png (the picture in
/// docs/dashboard.md): a test run leaves the checkout as it found it unless asked.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardLayoutTests(BrowserFixture browser)
{
    [Fact]
    public async Task Page_at_1400px_fills_the_width_and_every_panel_reads_well()
    {
        await using var dashboard = await DashboardPage.OpenAsync(browser);
        var page = dashboard.Page;
        await page.SetViewportSizeAsync(1400, 900);

        await dashboard.WaitForAsync("() => document.querySelector('#state').textContent === 'Connected'");
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-index').dataset.points || 0) >= 5");
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-program').dataset.points || 0) >= 5");
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-notices').dataset.total || 0) >= 3");
        await dashboard.WaitForAsync("() => document.querySelectorAll('#panel-tape tbody tr').length >= 3");
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-book').dataset.levels || 0) >= 2");
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-candles').dataset.candles || 0) >= 1");
        await dashboard.WaitForAsync("() => document.querySelectorAll('#panel-index .u-axis').length >= 2");

        // No panel reaches beyond the viewport's width; the right third of the page is covered by panels.
        var boxes = await page.EvaluateAsync<double[][]>(
            "() => [...document.querySelectorAll('main > .panel')].map(p => { const r = p.getBoundingClientRect(); return [r.left, r.right, r.top, " +
            "r.bottom]; })");
        Assert.All(boxes, b => Assert.True(b[1] <= 1400, $"a panel ends at x = {b[1]}"));
        var mainBottom = boxes.Max(b => b[3]);
        var rightThird = boxes.Where(b => b[1] >= 1400 * 2 / 3.0 + 100).Sum(b => b[3] - b[2]);
        var mainTop = boxes.Min(b => b[2]);
        Assert.True(rightThird >= 0.85 * (mainBottom - mainTop), $"panels cover {rightThird:F0} of {mainBottom - mainTop:F0} px of the right third");

        // The tape shows every column without horizontal scrolling.
        var tape = await page.EvaluateAsync<double[]>(
            "() => { const s = document.querySelector('#panel-tape .scroll'), t = s.querySelector('table'); return [s.scrollWidth, s.clientWidth, " +
            "t.getBoundingClientRect().right, s.getBoundingClientRect().right]; }");
        Assert.True(tape[0] <= tape[1], $"the tape scrolls sideways: {tape[0]} > {tape[1]}");
        Assert.True(tape[2] <= tape[3] + 0.5, $"the tape's table ends at {tape[2]}, its box at {tape[3]}");
        Assert.True(await page.EvaluateAsync<bool>(
            "() => [...document.querySelectorAll('#panel-tape td, #panel-tape th')].every(c => c.scrollWidth <= c.clientWidth + 1)"),
            "a tape cell is cut (ellipsis)");

        // Index value axis: distinct labels, index values with their decimals' precision (not 2.43K).
        // uPlot draws its axes on a canvas: the page keeps the value axis' labels in data-y-labels (the old page kept
        // none, so take them from a canvas-independent source: the ticks uPlot placed, formatted as the page does).
        var values = (await page.EvaluateAsync<string>("() => document.querySelector('#panel-index .chart')?.dataset.yLabels ?? ''"))
            .Split('|', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(values.Length >= 2, $"value axis labels: [{string.Join(", ", values)}]");
        Assert.Equal(values.Length, values.Distinct().Count());
        Assert.All(values, v => Assert.DoesNotContain("K", v));

        // Candles: a time axis (HH:mm) and a legend that explains the gap mark.
        var times = await page.Locator("#panel-candles svg text.time").AllTextContentsAsync();
        Assert.NotEmpty(times);
        Assert.All(times, t => Assert.Matches(@"^\d\d:\d\d$", t));
        Assert.Contains("gap", await page.Locator("#panel-candles .candle-legend").InnerTextAsync());

        // Notices: the real order numbers, not zeros (the simulator's are like 0000001090).
        var orders = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#panel-notices tbody tr')].map(r => r.cells[6].textContent)");
        Assert.NotEmpty(orders);
        Assert.All(orders, o => Assert.Matches("^[1-9][0-9]*$", o));
        Assert.True(await page.EvaluateAsync<bool>(
            "() => [...document.querySelectorAll('#panel-notices td')].every(c => c.scrollWidth <= c.clientWidth + 1)"),
            "a notices cell is cut (ellipsis)");

        // Orders (the made-up futures/options orders of the built-in simulator): every column whole, no sideways scrolling.
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-orders').dataset.orders || 0) >= 1");
        Assert.True(await page.EvaluateAsync<bool>(
            "() => { const s = document.querySelector('#panel-orders .scroll'); return s.scrollWidth <= s.clientWidth && [...s.querySelectorAll('td, " +
            "th')].every(c => c.scrollWidth <= c.clientWidth + 1); }"),
            "the orders table scrolls sideways or a cell is cut");

        // Subscriptions: every column inside the panel (the remove button included), the free text wrapped, not cut.
        Assert.True(await page.EvaluateAsync<bool>(
            "() => { const s = document.querySelector('#panel-subscriptions .scroll'); return s.scrollWidth <= s.clientWidth && [...s.querySelectorAll('td, " +
            "th')].every(c => c.scrollWidth <= c.clientWidth + 1); }"),
            "the subscriptions table scrolls sideways or a cell is cut");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "dashboard-1400.png"), FullPage = true });
        var docs = Environment.GetEnvironmentVariable("KISRT_UPDATE_DOCS_PICTURE") == "1" ? FindDocs() : null;
        if (docs is not null)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "dashboard.png"), FullPage = true });
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }

    /// <summary>The repository's docs folder (the test runs from bin/…), or null outside a checkout.</summary>
    private static string? FindDocs()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "docs", "dashboard.md")))
                return Path.Combine(dir.FullName, "docs");
        return null;
    }
}
