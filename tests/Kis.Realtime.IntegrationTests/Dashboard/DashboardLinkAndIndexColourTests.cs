namespace Kis.Realtime.Tests.Dashboard;

/// <summary>
/// Issue #59 item 3: the page showed a green <c>Connected</c> beside "page link: reconnecting…" (two states at once), and
/// left the index change uncoloured although the terminal table colours it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardLinkAndIndexColourTests(BrowserFixture browser)
{
    private const string Up = "rgb(230, 57, 70)";    // --up: #e63946
    private const string Down = "rgb(76, 141, 255)"; // --down: #4c8dff

    [Fact]
    public async Task When_the_page_link_drops_the_badge_no_longer_says_Connected()
    {
        var dashboard = await DashboardPage.OpenAsync(browser, "20", "index:0001");
        try
        {
            await dashboard.WaitForAsync("() => document.querySelector('#state').textContent === 'Connected'");
            await dashboard.Host.DisposeAsync(); // kisrt stops: the page's link drops and cannot come back
            await dashboard.WaitForAsync("() => document.querySelector('#link').textContent === 'page link: reconnecting…'");

            // Failed before: still "Connected", on green, the last state kisrt sent.
            Assert.Equal("unknown: page link down", await dashboard.Page.InnerTextAsync("#state"));
            var badge = await dashboard.Page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('#state')).backgroundColor");
            Assert.NotEqual("rgb(42, 157, 143)", badge); // --ok: #2a9d8f
        }
        finally
        {
            await dashboard.Page.CloseAsync();
        }
    }

    [Fact]
    public async Task The_index_change_and_rate_are_red_up_and_blue_down_as_in_the_terminal()
    {
        // A program subscription keeps the simulator's own index ticks out of the index panel.
        await using var dashboard = await DashboardPage.OpenAsync(browser, "20", "program:005930");
        await dashboard.WaitForAsync("() => window.kisrtDashboard.events.health >= 1");
        var at = new TimeOnly(9, 30, 0);
        dashboard.Host.Panels.Index.Add("H0UPCNT0", new IndexTick { IndexCode = "0001", Time = at, Value = 2_612.5m, Change = 12.5m, ChangeRate = 0.48m });
        dashboard.Host.Panels.Index.Add("H0UPCNT0", new IndexTick { IndexCode = "2001", Time = at, Value = 351.2m, Change = -3.1m, ChangeRate = -0.87m });
        await dashboard.WaitForAsync("() => document.querySelectorAll('#panel-index .chart .stats span.stat').length === 10");

        async Task<string[]> Stat(string series, int figure) => await dashboard.Page.EvaluateAsync<string[]>(
            $"() => {{ const s = document.querySelector(\"#panel-index .chart[data-series='H0UPCNT0:{series}'] .stats\")" +
            $".querySelectorAll('span.stat')[{figure}]; return [s.textContent, getComputedStyle(s).color]; }}");
        // Failed before: one uncoloured text line.
        Assert.Equal(["change 12.5", Up], await Stat("0001", 1));
        Assert.Equal(["rate % 0.48", Up], await Stat("0001", 2));
        Assert.DoesNotContain((await Stat("0001", 0))[1], new[] { Up, Down }); // the level itself takes no colour
        Assert.Equal(["change -3.1", Down], await Stat("2001", 1));
        Assert.Equal(["rate % -0.87", Down], await Stat("2001", 2));
        // The line reads as before: "time  value …  ·  change …  ·  rate % …".
        Assert.Contains("  ·  change 12.5  ·  rate % 0.48  ·  ", await dashboard.Page.EvaluateAsync<string>(
            "() => document.querySelector(\"#panel-index .chart[data-series='H0UPCNT0:0001'] .stats\").textContent"));
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }
}
