using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Replay;

/// <summary>
/// Makes a replayed recording the market the paper venue trades against (issue 55, item 6), as the backtest reads the
/// same file: each data frame's KRX stock trades (H0STCNT0) and books (H0STASP0) go to the stock's
/// <see cref="ReplayedStock"/>, and an index future's (H0IFCNT0, H0IFASP0) or option's (H0IOCNT0, H0IOASP0), in
/// hundredths of a point, to its own (<see cref="SimulatedMarket.ReplayedDerivative"/>), at the recording's market time
/// (<see cref="MarketTimeline"/>: the records' own exchange stamps, not when they were received), which puts them on the
/// market's tape, and the market clock follows it (<see cref="MarketClock.FollowReplay"/>), so orders are taken or
/// refused, filled and stamped on the recording's market time, as the backtest's. Called on the replay's one thread,
/// before the frame goes to the sessions: a strategy that reacts to a frame meets a venue that has seen it.
/// </summary>
internal sealed class ReplayedMarketFeed(SimulatedMarket market, double speed)
{
    private readonly FrameDecoder _decoder = new();
    private readonly BookLevel[] _asks = new BookLevel[OrderBookLevels.MaxDepth], _bids = new BookLevel[OrderBookLevels.MaxDepth];
    private readonly long[] _askPrices = new long[OrderBookLevels.MaxDepth], _bidPrices = new long[OrderBookLevels.MaxDepth],
        _askQuantities = new long[OrderBookLevels.MaxDepth], _bidQuantities = new long[OrderBookLevels.MaxDepth];
    private DateTimeOffset? _at; // the last receive time seen: a line without one was received right after it
    private readonly MarketTimeline _timeline = new();

    /// <summary>One replayed data frame received at <paramref name="receivedAt"/> (null: right after the previous line).</summary>
    public void Offer(ReadOnlySpan<byte> message, DateTimeOffset? receivedAt)
    {
        if (receivedAt is { } t) _at = t;
        if (_at is not { } received) return; // nothing dates it: the market's time is unknown
        if (DataFrame.Classify(message) != MessageKind.Data || !DataFrame.TryParse(message, out var frame, out _)
            || !_decoder.TryOpen(frame, out var tr, out var records, out _) || tr.Encrypted)
        {
            Follow(received);
            return;
        }
        // The market's time is the records' own (their stamps, MarketTimeline), as the backtest's: the same recording
        // received at another hour or on a Sunday is the same market.
        var stamps = records;
        while (stamps.TryNext(out var stamped)) _timeline.Observe(MarketStamp.Of(tr, stamped), received);
        var (at, kst) = Follow(received);
        if (!ReferenceEquals(tr, KisTrs.H0STCNT0) && !ReferenceEquals(tr, KisTrs.H0STASP0) && !KrxRules.IsDerivativeMarket(tr)) return;
        while (records.TryNext(out var record))
        {
            if (ReferenceEquals(tr, KisTrs.H0STCNT0)) Trade(tr, record, kst);
            else if (ReferenceEquals(tr, KisTrs.H0STASP0)) Book(tr, record, at, kst);
            else if (ReferenceEquals(tr, KisTrs.H0IFASP0) || ReferenceEquals(tr, KisTrs.H0IOASP0)) DerivativeBook(tr, record, kst);
            else DerivativeTrade(tr, record, kst);
        }
        market.Tape.Flush(); // the venue reads what the frame put on the tape
    }

    /// <summary>The market clock to the market time of a line received at <paramref name="received"/>: the time, and in KST.</summary>
    private (DateTimeOffset At, DateTime Kst) Follow(DateTimeOffset received)
    {
        var kst = _timeline.KstAt(received);
        market.Clock.FollowReplay(kst, speed, provisional: !_timeline.FromStamps);
        return (_timeline.At(received), kst);
    }

    private void Trade(TrDefinition tr, ReadOnlySpan<byte> record, DateTime at)
    {
        if (!StockTrade.TryDecode(tr, record, out var trade, out _) || trade.Price <= 0) return;
        var price = (long)trade.Price;
        market.Replayed(trade.StockCode).OnTrade(at, price, trade.Volume, price - (long)trade.Change, trade.Side == TradeSide.Buy,
            preOpen: trade.Side == TradeSide.PreOpen);
    }

    private void Book(TrDefinition tr, ReadOnlySpan<byte> record, DateTimeOffset at, DateTime kst)
    {
        var code = new FieldReader(record).TryRead(out var key) ? System.Text.Encoding.ASCII.GetString(key) : null;
        if (code is null || !StockOrderBook.TryDecodeLevels(tr, record, _askPrices, _askQuantities, _bidPrices, _bidQuantities)) return;
        for (var i = 0; i < _asks.Length; i++)
        {
            _asks[i] = new BookLevel(_askPrices[i], _askQuantities[i]);
            _bids[i] = new BookLevel(_bidPrices[i], _bidQuantities[i]);
        }
        market.Replayed(code).OnBook(kst, _asks, _bids, KrxCalls.IsCallBook(at, tr, record));
    }

    /// <summary>An index future's or option's trade, in hundredths of a point (the backtest's scale); its side by the tick test.</summary>
    private void DerivativeTrade(TrDefinition tr, ReadOnlySpan<byte> record, DateTime at)
    {
        string code;
        decimal points, change;
        long volume;
        if (ReferenceEquals(tr, KisTrs.H0IFCNT0))
        {
            if (!FuturesTrade.TryDecode(tr, record, out var future, out _)) return;
            (code, points, change, volume) = (future.Code, future.Price, future.Change, future.Volume);
        }
        else
        {
            if (!OptionsTrade.TryDecode(tr, record, out var option, out _)) return;
            (code, points, change, volume) = (option.Code, option.Price, option.Change, option.Volume);
        }
        var price = (long)(points * 100);
        if (price <= 0) return;
        market.ReplayedDerivative(code).OnTrade(at, price, volume, price - (long)(change * 100), buyerInitiated: false, preOpen: false);
    }

    /// <summary>An index future's or option's five-level book, in hundredths of a point; never a stock call's.</summary>
    private void DerivativeBook(TrDefinition tr, ReadOnlySpan<byte> record, DateTime at)
    {
        if (!DerivativesOrderBook.TryDecode(tr, record, out var book, out _)) return;
        for (var i = 0; i < _asks.Length; i++)
        {
            _asks[i] = new BookLevel((long)(book.Asks[i].Price * 100), book.Asks[i].Quantity);
            _bids[i] = new BookLevel((long)(book.Bids[i].Price * 100), book.Bids[i].Quantity);
        }
        market.ReplayedDerivative(book.Code).OnBook(at, _asks, _bids, call: false);
    }
}
