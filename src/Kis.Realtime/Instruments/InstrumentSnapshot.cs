
using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>
/// A consistent copy of one stock's state: each venue's figures and their merge (KRX and NXT combined when both are fed;
/// the unified feed's figures when it is fed). Rules: docs/instruments.md.
/// </summary>
public readonly record struct InstrumentSnapshot
{
    /// <summary>The stock code.</summary>
    public string Code { get; init; }
    /// <summary>Records applied so far (increases by one per record): tells a snapshot from a later one.</summary>
    public long Version { get; init; }
    /// <summary>KRX figures (H0STCNT0, H0STASP0, H0STANC0, H0STMKO0, H0STOUP0 …).</summary>
    public VenueState Krx { get; init; }
    /// <summary>NXT figures (H0NXCNT0 …).</summary>
    public VenueState Nxt { get; init; }
    /// <summary>The unified feed's figures (H0UNCNT0 …).</summary>
    public VenueState Unified { get; init; }

    /// <summary>The latest trade's price over the venues (by trade time; the unified feed when fed).</summary>
    public decimal LastPrice { get; init; }
    /// <summary>The latest trade's time.</summary>
    public TimeOnly LastTime { get; init; }
    /// <summary>The venue of the latest trade.</summary>
    public StockVenue LastVenue { get; init; }
    /// <summary>The day's open: the unified feed's, else the open of the venue that opened first.</summary>
    public decimal Open { get; init; }
    /// <summary>The day's high over the venues.</summary>
    public decimal High { get; init; }
    /// <summary>The day's low over the venues.</summary>
    public decimal Low { get; init; }
    /// <summary>The day's volume: the unified feed's, else KRX + NXT.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>The day's traded value: the unified feed's, else KRX + NXT.</summary>
    public long CumulativeTradeValue { get; init; }
    /// <summary>Best bid over the venues (the unified feed's when fed).</summary>
    public decimal BestBid { get; init; }
    /// <summary>Best ask over the venues.</summary>
    public decimal BestAsk { get; init; }
    /// <summary>Quantity at the best bid, summed over the venues quoting it.</summary>
    public long BestBidQuantity { get; init; }
    /// <summary>Quantity at the best ask, summed over the venues quoting it.</summary>
    public long BestAskQuantity { get; init; }
    /// <summary>True when any venue halts the stock.</summary>
    public bool IsHalted { get; init; }
    /// <summary>True when a VI is in force on any venue.</summary>
    public bool IsViActive { get; init; }
    /// <summary>The phase: Halted or ViAuction when any venue says so, else KRX's, else the unified feed's, else NXT's.</summary>
    public SessionPhase Phase { get; init; }

    /// <summary>Ask − bid; 0 when either side is empty.</summary>
    public decimal Spread => BestBid > 0 && BestAsk > 0 ? BestAsk - BestBid : 0;
    /// <summary>Top-of-book imbalance (bid qty − ask qty) ÷ (bid qty + ask qty), −1 … 1; 0 when empty.</summary>
    public decimal Imbalance => Imbalances.Of(BestBidQuantity, BestAskQuantity);
}

/// <summary>One item of <see cref="InstrumentState.ChangesAsync"/>: the latest snapshot and how many updates it folds in.</summary>
/// <param name="Snapshot">The state after the latest update.</param>
/// <param name="Coalesced">Updates since the previous item that were not delivered on their own (the reader was slower): counted, not lost (the snapshot holds
/// their effect).</param>
public readonly record struct InstrumentChange(InstrumentSnapshot Snapshot, long Coalesced);
