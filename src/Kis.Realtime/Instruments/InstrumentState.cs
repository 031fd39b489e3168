using System.Runtime.CompilerServices;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>
/// The live state of one domestic stock, updated in place from its trade, order-book, expected-trade and market-status
/// values of any venue (KRX, NXT, unified): <see cref="Snapshot"/> copies it consistently (under this instrument's own
/// lock), <see cref="ChangesAsync"/> streams it, coalescing updates a slow reader misses (and counting them). Apply
/// methods may be called from any thread. Rules: docs/instruments.md.
/// </summary>
public sealed partial class InstrumentState
{
    private readonly Lock _lock = new();
    private VenueState _krx = new() { Venue = StockVenue.Krx };
    private VenueState _nxt = new() { Venue = StockVenue.Nxt };
    private VenueState _unified = new() { Venue = StockVenue.Unified };
    private long _version;

    /// <summary>The state of <paramref name="code"/> (a 6-digit stock code such as 005930).</summary>
    public InstrumentState(string code)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
    }

    /// <summary>The stock code.</summary>
    public string Code { get; }

    /// <summary>Records applied so far.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>Applies a trade (H0STCNT0, H0NXCNT0, H0UNCNT0; H0STOUP0 counts as KRX).</summary>
    /// <exception cref="ArgumentException">The trade is of another stock.</exception>
    public void Apply(in StockTrade trade)
    {
        CheckCode(trade.StockCode);
        lock (_lock)
        {
            ref var v = ref VenueOf(trade.Venue);
            v.Updates++;
            v.HasTrade = true;
            v.LastPrice = trade.Price;
            v.LastVolume = trade.Volume;
            v.LastTime = trade.Time;
            v.LastSide = trade.Side;
            v.PreviousClose = trade.Price - trade.Change;
            v.Open = trade.Open;
            v.OpenTime = trade.OpenTime;
            v.High = trade.High;
            v.Low = trade.Low;
            // The cumulative-volume rule of gap detection: a stale or repeated record of the day does not move it back.
            var day = trade.BusinessDate is { } date
                ? MarketCalendar.ForVenue(trade.Venue).TradingDayNumber(MarketCalendar.KstToUtc(date.DayNumber * TimeSpan.TicksPerDay + trade.Time.Ticks))
                : v.CumulativeDay;
            if (CumulativeVolumeRule.Advances(v.CumulativeVolume, v.CumulativeDay, trade.CumulativeVolume, day))
            {
                v.CumulativeVolume = trade.CumulativeVolume;
                v.CumulativeTradeValue = trade.CumulativeTradeValue;
                v.CumulativeDay = day;
            }
            // The trade carries the touch after it: newer than a book of an earlier second.
            if (trade.Time >= v.QuoteTime && (trade.BestBid > 0 || trade.BestAsk > 0))
            {
                v.BestBid = trade.BestBid;
                v.BestAsk = trade.BestAsk;
                v.BestBidQuantity = trade.BestBidQuantity;
                v.BestAskQuantity = trade.BestAskQuantity;
                v.TotalBidQuantity = trade.TotalBidQuantity;
                v.TotalAskQuantity = trade.TotalAskQuantity;
                v.QuoteTime = trade.Time;
            }
            v.IsHalted = trade.IsHalted;
            v.MarketOperationCode = trade.MarketOperationCode;
            v.TimePhase = PhaseOf(trade.Venue, trade.Time, trade.IsAfterHours, expected: false);
            _version++;
        }
        NotifyWatchers();
    }

    /// <summary>Applies an order book (H0STASP0, H0NXASP0, H0UNASP0; H0STOAA0 counts as KRX).</summary>
    /// <exception cref="ArgumentException">The book is of another stock.</exception>
    public void Apply(in StockOrderBook book)
    {
        CheckCode(book.StockCode);
        var bid = book.Bids[0];
        var ask = book.Asks[0];
        lock (_lock)
        {
            ref var v = ref VenueOf(book.Venue);
            v.Updates++;
            v.BestBid = bid.Price;
            v.BestAsk = ask.Price;
            v.BestBidQuantity = bid.Quantity;
            v.BestAskQuantity = ask.Quantity;
            v.TotalBidQuantity = book.TotalBidQuantity;
            v.TotalAskQuantity = book.TotalAskQuantity;
            v.QuoteTime = book.Time;
            if (book.ExpectedPrice > 0)
            {
                v.ExpectedPrice = book.ExpectedPrice;
                v.ExpectedVolume = book.ExpectedVolume;
                v.ExpectedTime = book.Time;
            }
            _version++;
        }
        NotifyWatchers();
    }

    /// <summary>
    /// Applies an expected trade of an auction (H0STANC0, H0NXANC0, H0UNANC0; H0STOAC0 counts as KRX): before 09:00 the
    /// opening auction, 15:20–15:30 the closing auction, in between a VI single-price auction.
    /// </summary>
    /// <exception cref="ArgumentException">The value is of another stock.</exception>
    public void Apply(in StockExpectedTrade expected)
    {
        CheckCode(expected.StockCode);
        lock (_lock)
        {
            ref var v = ref VenueOf(expected.Venue);
            v.Updates++;
            v.ExpectedPrice = expected.ExpectedPrice;
            v.ExpectedVolume = expected.ExpectedVolume;
            v.ExpectedTime = expected.Time;
            v.IsHalted = expected.IsHalted;
            v.MarketOperationCode = expected.MarketOperationCode;
            v.TimePhase = PhaseOf(expected.Venue, expected.Time, expected.IsAfterHours, expected: true);
            _version++;
        }
        NotifyWatchers();
    }

    /// <summary>
    /// Applies a market status (H0STMKO0, H0NXMKO0, H0UNMKO0): halt, VI, operation code. H0UNMKO0 records carry no stock
    /// code: apply them to the right instrument yourself (an empty code is accepted).
    /// </summary>
    /// <exception cref="ArgumentException">The status names another stock.</exception>
    public void Apply(in MarketStatus status)
    {
        if (status.StockCode.Length > 0) CheckCode(status.StockCode);
        lock (_lock)
        {
            ref var v = ref VenueOf(status.Venue);
            v.Updates++;
            v.IsHalted = status.IsHalted;
            v.Vi = status.Vi;
            v.IsViActive = status.IsViActive;
            v.MarketOperationCode = status.MarketOperationCode;
            _version++;
        }
        NotifyWatchers();
    }

    /// <summary>A consistent copy of every venue's figures and their merge.</summary>
    public InstrumentSnapshot Snapshot()
    {
        VenueState krx, nxt, unified;
        long version;
        lock (_lock)
        {
            krx = _krx;
            nxt = _nxt;
            unified = _unified;
            version = _version;
        }
        return Merge(Code, version, krx, nxt, unified);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckCode(string code)
    {
        if (!ReferenceEquals(code, Code) && !string.Equals(code, Code, StringComparison.Ordinal))
            throw new ArgumentException($"A value of '{code}' cannot update the state of '{Code}'.", nameof(code));
    }

    private ref VenueState VenueOf(StockVenue venue)
    {
        if (venue == StockVenue.Nxt) return ref _nxt;
        if (venue == StockVenue.Unified) return ref _unified;
        return ref _krx;
    }

    /// <summary>The phase of a record of <paramref name="venue"/> at <paramref name="time"/> (KST), from the venue's
    /// calendar: its regular session's opening call, continuous trading and closing call (NXT has neither call). A
    /// trade not flagged after-hours and stamped from the closing call's end (15:30) to the regular session's end (KRX
    /// 15:40, unified 15:31) is the closing auction's print, the day's close: the calendar and the bars count it in
    /// the regular session, so the phase says <see cref="SessionPhase.ClosingAuction"/>, not after-market.</summary>
    internal static SessionPhase PhaseOf(StockVenue venue, TimeOnly time, bool afterHours, bool expected)
    {
        if (afterHours) return SessionPhase.AfterMarket;
        var regular = MarketCalendar.ForVenue(venue).Regular;
        var t = time.ToTimeSpan();
        if (t < regular.Start) return expected && regular.OpeningCallStart is not null ? SessionPhase.OpeningAuction : SessionPhase.PreMarket;
        if (t < regular.ContinuousEnd) return expected ? SessionPhase.ViAuction : SessionPhase.Continuous;
        // The closing call and its print (stamped 15:30:00 or, when the auction ends late, a little later); after the
        // regular session, or after continuous trading where there is no closing call (NXT), after-market.
        return regular.ClosingCallEnd is not null && t < regular.End ? SessionPhase.ClosingAuction : SessionPhase.AfterMarket;
    }
}
