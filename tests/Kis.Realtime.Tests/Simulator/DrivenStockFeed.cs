using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// A stock's KRX trade feed (H0STCNT0) and book feed (H0STASP0) driven by a test, record by record, through the
/// instruments a session's poll drives (the same code: each new KRX trade fills the paper venue's resting orders it
/// reaches), at the market clock's time. With nobody else subscribed to the stock, the test knows every trade.
/// </summary>
internal sealed class DrivenStockFeed(SimulatedMarket market, string code)
{
    private readonly Instrument _trades = market.Get(KisTrs.H0STCNT0, code), _books = market.Get(KisTrs.H0STASP0, code);
    private readonly byte[] _buffer = new byte[64 * 1024];

    /// <summary>The feed's next record(s) at the market time: a new trade, or the trades queued for the feed first.</summary>
    public List<StockTrade> Trades()
    {
        var writer = new RecordWriter(_buffer);
        var n = _trades.WriteRecords(ref writer, 1, market.Clock.Now());
        var trades = new List<StockTrade>();
        if (n == 0) return trades;
        Assert.True(RecordSplitter.TryCreate(writer.WrittenSpan, n, _trades.Tr.Fields.Count, out var records, out _));
        while (records.TryNext(out var record))
        {
            Assert.True(StockTrade.TryDecode(_trades.Tr, record, out var trade, out _));
            trades.Add(trade);
        }
        return trades;
    }

    /// <summary>Publishes books (each moves the touch, the spread one tick wide nine times in ten) until the spread is
    /// at least <paramref name="ticks"/> ticks wide; the touch then.</summary>
    public (long Ask, long Bid) PublishBooksUntilSpreadOf(int ticks)
    {
        for (var i = 0; i < 1_000; i++)
        {
            var writer = new RecordWriter(_buffer);
            Assert.Equal(1, _books.WriteRecords(ref writer, 1, market.Clock.Now()));
            var (ask, _, bid, _) = market.StockBookForOrders(code).Touch();
            var edge = bid;
            for (var t = 0; t < ticks; t++) edge = KrxRules.StockTickUp(edge);
            if (edge <= ask) return (ask, bid);
        }
        throw new InvalidOperationException($"no spread of {ticks} ticks in 1,000 books");
    }
}
