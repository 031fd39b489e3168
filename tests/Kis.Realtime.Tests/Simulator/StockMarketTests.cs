using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The stock model: trades (H0STCNT0 family) and the 10-level book (H0STASP0 family) of one stock come from one state
/// in the market, read here in arrival order with the library's typed views.
/// </summary>
public sealed class StockMarketTests
{
    private static T Decode<T>(string trId, string record) where T : struct, IKisRecord<T>
    {
        Assert.True(KisTrs.TryGet(trId, out var tr));
        Assert.True(T.TryDecode(tr, Encoding.UTF8.GetBytes(record), out var value, out var err), $"{err} in {record}");
        return value;
    }

    /// <summary>KRX's tick size at a price.</summary>
    private static decimal Tick(decimal p)
        => p switch { < 2_000 => 1, < 5_000 => 5, < 20_000 => 10, < 50_000 => 50, < 200_000 => 100, < 500_000 => 500, _ => 1_000 };

    public static TheoryData<string, string, string, int> Venues => new()
    {
        { "H0STCNT0", "H0STASP0", "005930", 0 },          // KRX at a rate pace
        { "H0STCNT0", "H0STASP0", "000660", 50 },         // flat out, frames of up to 50 records
        { "H0NXCNT0", "H0NXASP0", "035720", 0 },          // Nextrade
        { "H0UNCNT0", "H0UNASP0", "005930", 0 },          // KRX+NXT combined
    };

    [Theory]
    [MemberData(nameof(Venues))]
    public async Task Trades_are_inside_the_touch_of_the_latest_book_and_cumulative_volume_never_decreases(string tradeTr, string bookTr, string code,
        int flatOutFrame)
    {
        await using var sim = await Sim.StartAsync(o => flatOutFrame > 0
            ? o with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = flatOutFrame, Seed = 3 }
            : o with { Pace = MarketPace.PerSecond(300), Seed = 3 });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync(bookTr, code);
        await c.SubscribeAsync(tradeTr, code);
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Count(tradeTr) >= 400 && r.Count(bookTr) >= 100);

        StockOrderBook? book = null;
        StockTrade? last = null;
        decimal? previousClose = null;
        var checkedTrades = 0;
        foreach (var (tr, record) in session.Records)
        {
            if (tr == bookTr)
            {
                var b = Decode<StockOrderBook>(tr, record);
                AssertWellFormed(b, code);
                // The book carries the day's volume: exactly what the trades so far add up to.
                if (last is { } lt) Assert.Equal(lt.CumulativeVolume, b.CumulativeVolume);
                book = b;
                continue;
            }
            var t = Decode<StockTrade>(tr, record);
            Assert.Equal(code, t.StockCode);
            // Every trade is at the touch of the state at that moment (the record carries it) …
            Assert.True(t.Price == t.BestAsk || t.Price == t.BestBid, $"{t.Price} not at the touch {t.BestBid}/{t.BestAsk}");
            Assert.True(t.BestBid < t.BestAsk);
            // … and inside the touch of the latest book this session received.
            if (book is { } latest)
            {
                Assert.True(t.Price >= latest.BestBid && t.Price <= latest.BestAsk,
                    $"trade {t.Price} at {t.Time} outside the latest book's touch {latest.BestBid}/{latest.BestAsk}");
                Assert.Equal(latest.BestAsk, t.BestAsk);
                Assert.Equal(latest.BestBid, t.BestBid);
                checkedTrades++;
            }
            // Cumulative volume never decreases: with one subscriber it grows by exactly each trade's volume.
            if (last is { } p)
            {
                Assert.Equal(p.CumulativeVolume + t.Volume, t.CumulativeVolume);
                Assert.True(t.CumulativeTradeValue > p.CumulativeTradeValue);
                Assert.True(t.Time >= p.Time);
            }
            // Sign and change against one previous close; open/high/low bracket the price.
            previousClose ??= t.PreviousClose;
            Assert.Equal(previousClose, t.PreviousClose);
            var expectedSign = t.Change > 0 ? PriceChangeSign.Rise : t.Change < 0 ? PriceChangeSign.Fall : PriceChangeSign.Unchanged;
            Assert.True(t.ChangeSign == expectedSign || t.ChangeSign is PriceChangeSign.UpperLimit or PriceChangeSign.LowerLimit,
                $"{t.ChangeSign} for {t.Change}");
            Assert.Equal(Math.Round(t.Change * 100 / t.PreviousClose, 2, MidpointRounding.AwayFromZero), t.ChangeRate);
            Assert.True(t.Low <= t.Price && t.Price <= t.High && t.Low <= t.Open && t.Open <= t.High);
            Assert.Equal(t.Price - t.High, t.VsHigh);
            Assert.True(t.SellVolume + t.BuyVolume <= t.CumulativeVolume);
            last = t;
        }
        Assert.True(checkedTrades >= 300, $"only {checkedTrades} trades after a book");
    }

    private static void AssertWellFormed(StockOrderBook b, string code)
    {
        Assert.Equal(code, b.StockCode);
        Assert.Equal(10, b.Depth);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(b.Asks[i].Quantity > 0 && b.Bids[i].Quantity > 0);
            if (i == 0) continue;
            // Asks ascend and bids descend, one KRX tick apart.
            Assert.Equal(b.Asks[i - 1].Price + Tick(b.Asks[i - 1].Price), b.Asks[i].Price);
            Assert.Equal(b.Bids[i - 1].Price - Tick(b.Bids[i - 1].Price - 1), b.Bids[i].Price);
        }
        Assert.True(b.BestAsk > b.BestBid);
        Assert.Equal(0, b.BestBid % Tick(b.BestBid));
        long asks = 0, bids = 0;
        for (var i = 0; i < 10; i++)
        {
            asks += b.Asks[i].Quantity;
            bids += b.Bids[i].Quantity;
        }
        Assert.Equal(asks, b.TotalAskQuantity);
        Assert.Equal(bids, b.TotalBidQuantity);
    }

    [Theory]
    [InlineData("H0STANC0", "H0STASP0")]
    [InlineData("H0NXANC0", "H0NXASP0")]
    public async Task Expected_trades_are_at_the_touch_of_the_latest_book_and_trade_nothing(string expectedTr, string bookTr)
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.PerSecond(300) });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync(bookTr, "005930");
        await c.SubscribeAsync(expectedTr, "005930");
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Count(expectedTr) >= 200 && r.Count(bookTr) >= 50);

        StockOrderBook? book = null;
        long? dayVolume = null;
        var checkedRecords = 0;
        foreach (var (tr, record) in session.Records)
        {
            if (tr == bookTr)
            {
                book = Decode<StockOrderBook>(tr, record);
                continue;
            }
            var e = Decode<StockExpectedTrade>(tr, record);
            if (book is not { } latest) continue;
            Assert.True(e.ExpectedPrice == latest.BestAsk || e.ExpectedPrice == latest.BestBid,
                $"expected {e.ExpectedPrice} not at the latest book's touch {latest.BestBid}/{latest.BestAsk}");
            // Nothing trades (no trade TR is subscribed): the day's volume stands still.
            Assert.Equal(latest.CumulativeVolume, e.CumulativeVolume);
            dayVolume ??= e.CumulativeVolume;
            Assert.Equal(dayVolume, e.CumulativeVolume);
            checkedRecords++;
        }
        Assert.True(checkedRecords >= 100, $"only {checkedRecords} expected trades after a book");
    }

    [Fact]
    public async Task Stock_notices_are_encrypted_per_session_and_follow_order_life_cycles()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.PerSecond(300), RandomNotices = true });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync("H0STCNI0", SimulatorOptions.DefaultHtsId);
        using var decoder = new FrameDecoder();
        var notices = new List<StockNotice>();
        while (notices.Count < 300)
        {
            var m = await c.NextAsync();
            if (m.IsControl)
            {
                Assert.True(ControlMessage.TryParse(m.Data, out var reply));
                if (reply.Kind == ControlMessageKind.Reply) decoder.Learn(reply);
                continue;
            }
            Assert.StartsWith("1|H0STCNI0|001|", m.Text); // encrypted, one notice a frame
            Assert.True(DataFrame.TryParse(m.Data, out var f, out _));
            Assert.True(decoder.TryOpen(f, out var tr, out var records, out var err), err.ToString());
            while (records.TryNext(out var r))
            {
                Assert.True(StockNotice.TryDecode(tr, r, out var n, out err), err.ToString());
                notices.Add(n);
            }
        }

        Assert.All(notices, n => Assert.Equal(SimulatorOptions.DefaultHtsId, n.CustomerId));
        Assert.Contains(notices, n => n.Kind == NoticeKind.Fill);
        Assert.Contains(notices, n => n.Kind == NoticeKind.OrderAccepted);
        Assert.Contains(notices, n => n.Kind is NoticeKind.AmendAccepted or NoticeKind.CancelAccepted);
        // An order number is opened once; fills never exceed their order; fill prices are the order's price on KRX's grid.
        var opened = notices.Where(n => n.Kind != NoticeKind.Fill).Select(n => n.OrderNumber).ToList();
        Assert.Equal(opened.Count, opened.Distinct().Count());
        foreach (var fills in notices.Where(n => n.Kind == NoticeKind.Fill).GroupBy(n => n.OrderNumber))
        {
            Assert.True(fills.Sum(f => f.Quantity) <= fills.First().OrderQuantity, $"order {fills.Key} overfilled");
            Assert.All(fills, f => Assert.Equal(0, f.Price % Tick(f.Price)));
        }
        Assert.All(notices.Where(n => n.Kind == NoticeKind.Fill), n => Assert.True(n.IsFill && n.Quantity > 0));
    }

    [Theory]
    [InlineData(SimulatorProfile.Real, "H0GSCNI0")]
    [InlineData(SimulatorProfile.Paper, "H0GSCNI9")]
    public async Task Overseas_stock_notices_are_encrypted_and_follow_order_life_cycles(SimulatorProfile profile, string trId)
    {
        await using var sim = await Sim.StartAsync(o => o with { Profile = profile, Pace = MarketPace.PerSecond(300) });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync(trId, SimulatorOptions.DefaultHtsId);
        using var decoder = new FrameDecoder();
        var notices = new List<OverseasStockNotice>();
        while (notices.Count < 200)
        {
            var m = await c.NextAsync();
            if (m.IsControl)
            {
                Assert.True(ControlMessage.TryParse(m.Data, out var reply));
                if (reply.Kind == ControlMessageKind.Reply) decoder.Learn(reply);
                continue;
            }
            Assert.StartsWith($"1|{trId}|001|", m.Text);
            Assert.True(DataFrame.TryParse(m.Data, out var f, out _));
            Assert.True(decoder.TryOpen(f, out var tr, out var records, out var err), err.ToString());
            while (records.TryNext(out var r))
            {
                Assert.True(OverseasStockNotice.TryDecode(tr, r, out var n, out err), err.ToString());
                notices.Add(n);
            }
        }
        Assert.Contains(notices, n => n.Kind == NoticeKind.Fill);
        Assert.Contains(notices, n => n.Kind == NoticeKind.OrderAccepted);
        var opened = notices.Where(n => n.Kind != NoticeKind.Fill).Select(n => n.OrderNumber).ToList();
        Assert.Equal(opened.Count, opened.Distinct().Count());
        Assert.All(notices, n => Assert.Contains(n.Ticker, new[] { "AAPL", "MSFT", "NVDA", "TSLA" }));
        Assert.All(notices, n => Assert.InRange(n.Price, 100m, 500m)); // dollars, as written
    }

    [Theory]
    [InlineData("H0STCNT0")]
    [InlineData("H0STASP0")]
    [InlineData("H0IFCNT0")]
    public async Task The_same_seed_gives_the_same_records(string trId)
    {
        var key = trId == "H0IFCNT0" ? "101W09" : "005930";
        async Task<List<string>> Run(int seed)
        {
            var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 0, 30, 0, TimeSpan.Zero));
            await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.FlatOut, Seed = seed, MaxRecordsPerFrame = 7 });
            await using var c = await Sim.ClientAsync(sim);
            await c.SubscribeAsync(trId, key);
            using var session = new SessionRecords();
            await session.ReadUntilAsync(c, r => r.Count(trId) >= 100);
            return [.. session.Of(trId).Take(100)];
        }
        var first = await Run(5);
        Assert.Equal(first, await Run(5));
        Assert.NotEqual(first, await Run(6));
    }
}
