
namespace Kis.Realtime.Tests.Dashboard;

/// <summary>The dashboard's candlestick panel (1-minute bars of the library, drawn as SVG with volume) in a real browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardCandleTests(BrowserFixture browser)
{
    private static readonly DateOnly Day = new(2026, 11, 23);

    [Fact]
    public async Task Trades_draw_one_candle_a_minute_with_its_OHLC_volume_and_gap()
    {
        // Only the index is subscribed: the stock trades below are the panel's only input.
        await using var dashboard = await DashboardPage.OpenAsync(browser, "20", "index:0001");
        await dashboard.WaitForAsync("() => window.kisrtDashboard.events.candles >= 1");
        long accumulated = 0;
        void Trade(int minute, int second, decimal price, long volume, long missedBefore = 0)
        {
            accumulated += missedBefore + volume;
            dashboard.Host.Panels.Candles.Add("H0STCNT0", new StockTrade
            {
                StockCode = "005930", BusinessDate = Day, Time = new TimeOnly(9, minute, second), Price = price, Volume = volume,
                    CumulativeVolume = accumulated,
            });
        }
        // 09:30 rises (70,000 → 70,300, low 69,900), 09:31 falls (70,300 → 70,000), 09:32 is forming with a missed trade inside.
        Trade(30, 0, 70_000, 100); Trade(30, 10, 70_400, 50); Trade(30, 20, 69_900, 30); Trade(30, 50, 70_300, 20);
        Trade(31, 5, 70_300, 400); Trade(31, 40, 70_000, 100);
        Trade(32, 1, 70_100, 10); Trade(32, 30, 70_050, 10, missedBefore: 77);

        await dashboard.WaitForAsync("() => document.querySelector('#panel-candles').dataset.candles === '3'");
        var candles = dashboard.Page.Locator("#panel-candles svg g.candle");
        Assert.Equal(3, await candles.CountAsync());
        async Task<string[]> Data(int i) => [
            (await candles.Nth(i).GetAttributeAsync("data-minute"))!, (await candles.Nth(i).GetAttributeAsync("data-o"))!,
            (await candles.Nth(i).GetAttributeAsync("data-h"))!, (await candles.Nth(i).GetAttributeAsync("data-l"))!,
            (await candles.Nth(i).GetAttributeAsync("data-c"))!, (await candles.Nth(i).GetAttributeAsync("data-v"))!,
        ];
        Assert.Equal(["09:30", "70000", "70400", "69900", "70300", "200"], await Data(0));
        Assert.Equal(["09:31", "70300", "70300", "70000", "70000", "500"], await Data(1));
        Assert.Equal(["09:32", "70100", "70100", "70050", "70050", "20"], await Data(2));
        Assert.Equal("candle up", await candles.Nth(0).GetAttributeAsync("class"));
        Assert.Equal("candle down", await candles.Nth(1).GetAttributeAsync("class"));
        // The minute with the missed trade is flagged (drawn outlined) and still forming; the minutes before are not.
        Assert.Equal("candle down gap forming", await candles.Nth(2).GetAttributeAsync("class"));
        // Volume bars scale to the largest minute shown: 09:31 (500) is 2.5 times 09:30 (200).
        var v0 = double.Parse((await candles.Nth(0).Locator("rect.vol").GetAttributeAsync("height"))!, System.Globalization.CultureInfo.InvariantCulture);
        var v1 = double.Parse((await candles.Nth(1).Locator("rect.vol").GetAttributeAsync("height"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(2.5, v1 / v0, 3);
        // The wick of 09:30 spans its high and low: it reaches the top and the bottom of the price scale.
        var wick = candles.Nth(0).Locator("line.wick");
        Assert.True(double.Parse((await wick.GetAttributeAsync("y1"))!, System.Globalization.CultureInfo.InvariantCulture)
            < double.Parse((await wick.GetAttributeAsync("y2"))!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("09:32 (forming)", await dashboard.Page.InnerTextAsync("#panel-candles .candle-stats"));

        // The next minute closes 09:32: the forming candle becomes a closed one and a new one forms.
        Trade(33, 0, 70_200, 5);
        await dashboard.WaitForAsync("() => document.querySelector('#panel-candles').dataset.closed === '3'");
        Assert.Equal("candle down gap", await candles.Nth(2).GetAttributeAsync("class"));
        await dashboard.ScreenshotAsync("candles", "candles");
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }
}
