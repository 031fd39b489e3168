using Microsoft.Playwright;

namespace Kis.Realtime.Tests.Dashboard;

/// <summary>
/// <c>kisrt dashboard</c> in a real browser: Debian's chromium through Playwright, against the dashboard and its
/// built-in simulator in-process. Screenshots of every panel go to the test output folder (artifacts/dashboard).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardBrowserTests(BrowserFixture browser)
{
    private const string IndexPoints = "document.querySelector('#panel-index').dataset.points";
    private const string ProgramPoints = "document.querySelector('#panel-program').dataset.points";

    [Fact]
    public async Task Page_loads_without_console_errors_and_every_panel_fills()
    {
        await using var dashboard = await DashboardPage.OpenAsync(browser);

        await dashboard.WaitForAsync("() => document.querySelector('#state').textContent === 'Connected'");
        await dashboard.WaitForAsync($"() => Number({IndexPoints} || 0) >= 3 && Number({ProgramPoints} || 0) >= 3");
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-notices').dataset.total || 0) >= 3");
        await dashboard.WaitForAsync("() => document.querySelector(\"#panel-health dd[data-figure='latency p50']\")?.textContent.endsWith(' ms')");
        // The stock tape and book: live once the simulator serves H0STCNT0/H0STASP0; until then KIS's refusal is shown.
        await dashboard.WaitForAsync("() => document.querySelector('#panel-tape tbody tr') || document.querySelector('#panel-tape .sub-status .refused')");
        await dashboard.WaitForAsync(
            "() => Number(document.querySelector('#panel-book').dataset.levels || 0) >= 2 || document.querySelector('#panel-book .sub-status .refused')");
        if (await dashboard.Page.Locator("#panel-tape .sub-status .refused").CountAsync() > 0)
            Assert.Contains("OPSP", await dashboard.Page.Locator("#panel-tape .sub-status .refused").First.InnerTextAsync());

        // Notice kinds are named; the chart lines carry their latest figures.
        var kinds = await dashboard.Page.Locator("#panel-notices tbody .kind").AllInnerTextsAsync();
        Assert.NotEmpty(kinds);
        Assert.All(kinds, k => Assert.Contains(k, new[] { "fill", "accepted", "amended", "cancelled", "rejected" }));
        Assert.Contains("value", await dashboard.Page.Locator("#panel-index .stats").First.InnerTextAsync());
        // Every live subscription holds a registration; refused ones hold none (five today, seven once the simulator
        // serves the stock TRs).
        await dashboard.WaitForAsync("() => document.querySelector(\"#panel-health dd[data-figure='registrations']\").textContent"
            + " === String(document.querySelectorAll('#panel-subscriptions tbody tr.live').length)");
        Assert.True(await dashboard.Page.Locator("#panel-subscriptions tbody tr.live").CountAsync() >= 5);

        foreach (var panel in new[] { "index", "program", "notices", "tape", "book", "health", "subscriptions" })
            await dashboard.ScreenshotAsync(panel, panel);
        await dashboard.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "page.png"), FullPage = true });
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task Charts_grow_as_simulated_data_arrives()
    {
        await using var dashboard = await DashboardPage.OpenAsync(browser);
        await dashboard.WaitForAsync($"() => Number({IndexPoints} || 0) >= 2 && Number({ProgramPoints} || 0) >= 2");
        var index = await dashboard.NumberAsync(IndexPoints);
        var program = await dashboard.NumberAsync(ProgramPoints);
        var indexEvents = await dashboard.NumberAsync("window.kisrtDashboard.events.index");

        // New market seconds arrive: the lines get longer, not just redrawn.
        await dashboard.WaitForAsync($"() => Number({IndexPoints}) >= {index + 2} && Number({ProgramPoints}) >= {program + 2}");
        Assert.True(await dashboard.NumberAsync("window.kisrtDashboard.events.index") > indexEvents);
        // Drawn by uPlot: one canvas per line.
        Assert.True(await dashboard.Page.Locator("#panel-index canvas").CountAsync() >= 1);
        Assert.True(await dashboard.Page.Locator("#panel-program canvas").CountAsync() >= 2); // unified and NXT
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task Faults_injected_in_the_simulator_show_in_the_health_panel()
    {
        await using var dashboard = await DashboardPage.OpenAsync(browser);
        var faults = dashboard.Host.Simulator!.Faults;
        await dashboard.WaitForAsync("() => document.querySelector('#state').textContent === 'Connected'");
        Assert.Equal("0", await dashboard.FigureAsync("reconnects"));
        Assert.Equal("0", await dashboard.FigureAsync("decode errors"));

        Assert.Equal(1, await faults.SendMalformedFrame());
        await dashboard.WaitForAsync("() => document.querySelector(\"#panel-health dd[data-figure='decode errors']\").textContent === '1'");

        Assert.Equal(1, await faults.DropConnections());
        await dashboard.WaitForAsync("() => document.querySelector(\"#panel-health dd[data-figure='reconnects']\").textContent === '1'");
        await dashboard.WaitForAsync("() => [...document.querySelectorAll('#panel-health .history td')].some(td => td.textContent === 'Reconnecting')");
        await dashboard.WaitForAsync("() => document.querySelector('#state').textContent === 'Connected'");
        Assert.Contains("alert", await dashboard.Page.Locator("#panel-health dd[data-figure='reconnects']").GetAttributeAsync("class") ?? "");
        await dashboard.ScreenshotAsync("health", "health-after-faults");
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task Trades_the_simulator_skipped_show_as_a_gap_with_their_volume_in_the_health_panel()
    {
        await using var dashboard = await DashboardPage.OpenAsync(browser, "20", "index:0001");
        var sim = dashboard.Host.Simulator!;
        await dashboard.WaitForAsync("() => document.querySelector(\"#panel-health dd[data-figure='records']\")?.textContent !== '0'");
        Assert.Equal("0", await dashboard.FigureAsync("gaps"));

        sim.Faults.SkipRecords("H0UPCNT0", "0001", 3); // after a first record: the baseline the gap is found against
        await dashboard.WaitForAsync("() => document.querySelector(\"#panel-health dd[data-figure='gaps']\").textContent.startsWith('1 (')");
        var missing = sim.Faults.SkippedRecords.Sum(r =>
            Kis.Realtime.IndexTick.TryDecode(Kis.Realtime.KisTrs.H0UPCNT0, System.Text.Encoding.UTF8.GetBytes(r.Record), out var tick, out _) ? tick.TickVolume
                : throw new InvalidOperationException(r.Record));
        Assert.Equal($"1 (missing volume {missing.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture)})", await dashboard.FigureAsync("gaps"));
        Assert.StartsWith("H0UPCNT0 0001 ", await dashboard.FigureAsync("largest gaps"));
        Assert.Contains("alert", await dashboard.Page.Locator("#panel-health dd[data-figure='gaps']").GetAttributeAsync("class") ?? "");
        await dashboard.ScreenshotAsync("health", "health-gap");
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task Subscriptions_are_chosen_on_the_page()
    {
        await using var dashboard = await DashboardPage.OpenAsync(browser, "20", "index:0001");
        await dashboard.WaitForAsync("() => document.querySelector('#panel-index .chart[data-series=\"H0UPCNT0:0001\"]')");

        await dashboard.Page.FillAsync("#add-spec", "index:1001");
        await dashboard.Page.ClickAsync("#add-form button");
        await dashboard.WaitForAsync("() => document.querySelector('#panel-index .chart[data-series=\"H0UPCNT0:1001\"]')");
        Assert.Equal("subscribed H0UPCNT0:1001", await dashboard.Page.InnerTextAsync("#add-result"));

        // A typo is refused with the reason, as --sub would be.
        await dashboard.Page.FillAsync("#add-spec", "nosuch:1");
        await dashboard.Page.ClickAsync("#add-form button");
        await dashboard.WaitForAsync("() => document.querySelector('#add-result').className === 'error'");
        Assert.Contains("unknown TR 'nosuch'", await dashboard.Page.InnerTextAsync("#add-result"));

        // Removing releases the registration.
        await dashboard.Page.ClickAsync("#panel-subscriptions tr[data-spec='H0UPCNT0:1001'] button");
        await dashboard.WaitForAsync("() => !document.querySelector(\"#panel-subscriptions tr[data-spec='H0UPCNT0:1001']\")");
        await dashboard.WaitForAsync("() => document.querySelector(\"#panel-health dd[data-figure='registrations']\").textContent === '1'");
        // The typo's 400 is expected (the browser logs it as a failed resource); nothing else may fail.
        lock (dashboard.Errors) Assert.DoesNotContain(dashboard.Errors, e => !e.Contains("400"));
    }
}

/// <summary>
/// The tape and ladder as they will look once a server sends H0STCNT0/H0STASP0 (the built-in simulator refuses them
/// today): records are put straight into the panels, and the page must render them.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardStockPanelTests(BrowserFixture browser)
{
    [Fact]
    public async Task Trades_fill_the_tape_and_a_book_draws_its_ten_level_ladder()
    {
        await using var dashboard = await DashboardPage.OpenAsync(browser, "20", "index:0001");
        await dashboard.WaitForAsync("() => window.kisrtDashboard.events.tape >= 1");
        for (var i = 0; i < 40; i++)
        {
            dashboard.Host.Panels.Tape.Add(new Kis.Realtime.StockTrade
            {
                StockCode = "005930", Time = new TimeOnly(9, 30, i), Price = 70_000 + i * 100, Change = i * 100 - 2_000,
                ChangeRate = (i - 20) / 10m, Volume = 10 + i, Side = i % 2 == 0 ? Kis.Realtime.TradeSide.Buy : Kis.Realtime.TradeSide.Sell,
                CumulativeVolume = 1_000 + i,
            });
        }
        var asks = new Kis.Realtime.OrderBookLevels();
        var bids = new Kis.Realtime.OrderBookLevels();
        for (var level = 0; level < 10; level++)
        {
            asks[level] = new Kis.Realtime.OrderBookLevel(71_000 + level * 100, 100 * (level + 1));
            bids[level] = new Kis.Realtime.OrderBookLevel(70_900 - level * 100, 150 * (level + 1));
        }
        dashboard.Host.Panels.Book.Add("H0STASP0", new Kis.Realtime.StockOrderBook
        {
            StockCode = "005930", Depth = 10, Time = new TimeOnly(9, 30, 40), Asks = asks, Bids = bids, TotalAskQuantity = 5_500, TotalBidQuantity = 8_250,
        });

        await dashboard.WaitForAsync("() => document.querySelectorAll('#panel-tape tbody tr').length === 30"); // a screenful, newest first
        Assert.Equal("09:30:39", await dashboard.Page.Locator("#panel-tape tbody tr td").First.InnerTextAsync());
        // Rows out of sight are refreshed less often but never left stale: scrolled into sight, they show the newest data.
        for (var i = 0; i < 40; i++)
            dashboard.Host.Panels.Tape.Add(
                new Kis.Realtime.StockTrade { StockCode = "005930", Time = new TimeOnly(9, 31, i), Price = 71_000 + i, Side = Kis.Realtime.TradeSide.Buy });
        await dashboard.WaitForAsync("() => document.querySelector('#panel-tape tbody tr td').textContent === '09:31:39'");
        await dashboard.Page.EvalOnSelectorAsync("#panel-tape .scroll", "e => e.scrollTop = e.scrollHeight");
        await dashboard.WaitForAsync("() => document.querySelector('#panel-tape tbody tr:last-child td').textContent === '09:31:10'");
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-book').dataset.levels) === 20");
        var prices = await dashboard.Page.Locator("#panel-book tbody td.price").AllInnerTextsAsync();
        Assert.Equal("71,900", prices[0]);   // the tenth ask on top
        Assert.Equal("71,000", prices[9]);   // best ask just above
        Assert.Equal("70,900", prices[10]);  // best bid just below
        Assert.Contains("total ask 5,500", await dashboard.Page.InnerTextAsync("#panel-book .book-totals"));
        await dashboard.ScreenshotAsync("tape", "tape-with-trades");
        await dashboard.ScreenshotAsync("book", "book-ladder");
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }
}
