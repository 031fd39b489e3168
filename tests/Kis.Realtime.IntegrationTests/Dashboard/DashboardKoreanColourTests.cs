namespace Kis.Realtime.Tests.Dashboard;

/// <summary>
/// Korean price colours in chromium (issue 47, item 4): a price is coloured by its change from the previous close (up
/// red, down blue, unchanged neutral) and the side separately. Failed before: the book's asks were always blue and its
/// bids red whatever the previous close, and the tape coloured whole rows by side (a rise sold into showed blue).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardKoreanColourTests(BrowserFixture browser)
{
    private const string Up = "rgb(230, 57, 70)";    // --up: #e63946
    private const string Down = "rgb(76, 141, 255)"; // --down: #4c8dff

    [Fact]
    public async Task Prices_are_red_above_the_previous_close_blue_below_and_the_side_is_coloured_apart()
    {
        await using var dashboard = await DashboardPage.OpenAsync(browser, "20", "index:0001");
        await dashboard.WaitForAsync("() => window.kisrtDashboard.events.tape >= 1");
        // Previous close 70,000. A rise sold into, a fall bought into, an unchanged trade.
        var trades = new[] { (Price: 71_200m, Side: TradeSide.Sell), (Price: 69_500m, Side: TradeSide.Buy), (Price: 70_000m, Side: TradeSide.Buy) };
        for (var i = 0; i < trades.Length; i++)
        {
            var change = trades[i].Price - 70_000m;
            dashboard.Host.Panels.Tape.Add(new StockTrade
            {
                StockCode = "005930", Time = new TimeOnly(9, 30, i), Price = trades[i].Price, Change = change,
                ChangeRate = Math.Round(change / 700m, 2), Volume = 10, Side = trades[i].Side, CumulativeVolume = 100 + i,
            });
        }
        // The book straddles the previous close: asks 69,900 … 70,800 (the lowest below it), bids 69,800 … 68,900.
        var asks = new OrderBookLevels();
        var bids = new OrderBookLevels();
        for (var level = 0; level < 10; level++)
        {
            asks[level] = new OrderBookLevel(69_900 + level * 100, 100);
            bids[level] = new OrderBookLevel(69_800 - level * 100, 100);
        }
        dashboard.Host.Panels.Book.Add("H0STASP0", new StockOrderBook
        {
            StockCode = "005930", Depth = 10, Time = new TimeOnly(9, 30, 3), Asks = asks, Bids = bids, TotalAskQuantity = 1_000, TotalBidQuantity = 1_000,
        });

        await dashboard.WaitForAsync("() => document.querySelectorAll('#panel-tape tbody tr').length === 3");
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-book').dataset.levels) === 20");
        // Tape rows newest first: unchanged, fall bought into, rise sold into. Cells: time, code, price, chg, %, vol, side.
        async Task<string> TapeColour(int row, int cell) => await dashboard.Page.EvaluateAsync<string>(
            $"() => getComputedStyle(document.querySelectorAll('#panel-tape tbody tr')[{row}].cells[{cell}]).color");
        var neutral = await dashboard.Page.EvaluateAsync<string>("() => getComputedStyle(document.body).color");
        Assert.Equal(Up, await TapeColour(2, 2));      // 71,200: over the previous close, red...
        Assert.Equal(Up, await TapeColour(2, 3));
        Assert.Equal(Down, await TapeColour(2, 6));    // ...though sold into: the side cell blue
        Assert.Equal(neutral, await TapeColour(2, 5)); // the volume takes neither
        Assert.Equal(Down, await TapeColour(1, 2));    // 69,500: under it, blue...
        Assert.Equal(Up, await TapeColour(1, 6));      // ...bought into: red side
        Assert.Equal(neutral, await TapeColour(0, 2)); // 70,000: unchanged, neutral
        Assert.Equal(neutral, await TapeColour(0, 3));

        // The ladder: asks on top (tenth ask first), then bids. Colour by price against 70,000, whichever side.
        var ladder = await dashboard.Page.EvaluateAsync<string[][]>(
            "() => [...document.querySelectorAll('#panel-book tbody td.price')].map(td => [td.textContent, getComputedStyle(td).color])");
        var colourOf = ladder.ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(Up, colourOf["70,800"]);      // an ask over the previous close: red
        Assert.Equal(neutral, colourOf["70,000"]); // an ask at it: neutral
        Assert.Equal(Down, colourOf["69,900"]);    // the best ask, under it: blue
        Assert.Equal(Down, colourOf["69,800"]);    // bids under it: blue
        await dashboard.ScreenshotAsync("book", "book-korean-colours");
        await dashboard.ScreenshotAsync("tape", "tape-korean-colours");
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }
}
