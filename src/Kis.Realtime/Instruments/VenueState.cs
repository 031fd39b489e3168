
using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>Where a stock is in its trading day, as far as its feeds tell (see docs/instruments.md).</summary>
public enum SessionPhase : byte
{
    /// <summary>Nothing received yet.</summary>
    Unknown = 0,
    /// <summary>Before 09:00: KRX pre-open after-hours, NXT pre-market (08:00–08:50).</summary>
    PreMarket = 1,
    /// <summary>The opening single-price auction (expected prices before 09:00, no trade yet).</summary>
    OpeningAuction = 2,
    /// <summary>The continuous session (09:00–15:20).</summary>
    Continuous = 3,
    /// <summary>A VI single-price auction (volatility interruption in force).</summary>
    ViAuction = 4,
    /// <summary>The closing single-price auction (15:20–15:30) and its print, the day's close (stamped 15:30:00 or,
    /// when the auction ends late, a little later: to the regular session's end, KRX 15:40, unified 15:31).</summary>
    ClosingAuction = 5,
    /// <summary>After the closing print: after-hours sessions, NXT after-market.</summary>
    AfterMarket = 6,
    /// <summary>Trading in the stock is halted (trht_yn = Y).</summary>
    Halted = 7,
}

/// <summary>One venue's figures of one stock (KRX, NXT or the unified feed), as its last records set them.</summary>
public struct VenueState
{
    /// <summary>The venue.</summary>
    public StockVenue Venue { readonly get; internal set; }
    /// <summary>Records applied from this venue.</summary>
    public long Updates { readonly get; internal set; }
    /// <summary>True once a trade arrived.</summary>
    public bool HasTrade { readonly get; internal set; }
    /// <summary>The last trade's price.</summary>
    public decimal LastPrice { readonly get; internal set; }
    /// <summary>The last trade's volume.</summary>
    public long LastVolume { readonly get; internal set; }
    /// <summary>The last trade's time (KST).</summary>
    public TimeOnly LastTime { readonly get; internal set; }
    /// <summary>The last trade's aggressor side.</summary>
    public TradeSide LastSide { readonly get; internal set; }
    /// <summary>The previous close (price − change of the last trade).</summary>
    public decimal PreviousClose { readonly get; internal set; }
    /// <summary>The day's open (stck_oprc, KIS's own figure: right even when trades were missed).</summary>
    public decimal Open { readonly get; internal set; }
    /// <summary>The time of the day's open (oprc_hour).</summary>
    public TimeOnly OpenTime { readonly get; internal set; }
    /// <summary>The day's high (stck_hgpr).</summary>
    public decimal High { readonly get; internal set; }
    /// <summary>The day's low (stck_lwpr).</summary>
    public decimal Low { readonly get; internal set; }
    /// <summary>The day's volume (acml_vol).</summary>
    public long CumulativeVolume { readonly get; internal set; }
    /// <summary>The trading day (a <see cref="DateOnly.DayNumber"/>) of <see cref="CumulativeVolume"/>: a later day's may be smaller.</summary>
    internal int CumulativeDay;
    /// <summary>The day's traded value, KRW (acml_tr_pbmn).</summary>
    public long CumulativeTradeValue { readonly get; internal set; }
    /// <summary>Best bid (from the order book, else the last trade's bidp1).</summary>
    public decimal BestBid { readonly get; internal set; }
    /// <summary>Best ask.</summary>
    public decimal BestAsk { readonly get; internal set; }
    /// <summary>Quantity at the best bid.</summary>
    public long BestBidQuantity { readonly get; internal set; }
    /// <summary>Quantity at the best ask.</summary>
    public long BestAskQuantity { readonly get; internal set; }
    /// <summary>Total bid quantity of the book.</summary>
    public long TotalBidQuantity { readonly get; internal set; }
    /// <summary>Total ask quantity of the book.</summary>
    public long TotalAskQuantity { readonly get; internal set; }
    /// <summary>Time of the last book or trade that set the touch.</summary>
    public TimeOnly QuoteTime { readonly get; internal set; }
    /// <summary>The last expected (auction) price; 0 when none.</summary>
    public decimal ExpectedPrice { readonly get; internal set; }
    /// <summary>The last expected (auction) volume.</summary>
    public long ExpectedVolume { readonly get; internal set; }
    /// <summary>Time of the last expected price.</summary>
    public TimeOnly ExpectedTime { readonly get; internal set; }
    /// <summary>True when trading is halted (trht_yn of the last trade, expected trade or status).</summary>
    public bool IsHalted { readonly get; internal set; }
    /// <summary>The regular session's VI (from market status).</summary>
    public ViStatus Vi { readonly get; internal set; }
    /// <summary>True while a VI is in force (regular or after-hours single-price session).</summary>
    public bool IsViActive { readonly get; internal set; }
    /// <summary>The last market operation code (new_mkop_cls_code / mkop_cls_code), as sent.</summary>
    public string? MarketOperationCode { readonly get; internal set; }
    /// <summary>The phase: <see cref="SessionPhase.Halted"/>, else <see cref="SessionPhase.ViAuction"/> while a VI is in force, else by the last record's
    /// time.</summary>
    public readonly SessionPhase Phase => IsHalted ? SessionPhase.Halted : IsViActive ? SessionPhase.ViAuction : TimePhase;

    // The phase the last record's time and kind imply (before halts and VIs).
    internal SessionPhase TimePhase;

    /// <summary>Ask − bid; 0 when either side is empty.</summary>
    public readonly decimal Spread => BestBid > 0 && BestAsk > 0 ? BestAsk - BestBid : 0;
    /// <summary>Top-of-book imbalance (bid qty − ask qty) ÷ (bid qty + ask qty), −1 … 1; 0 when empty.</summary>
    public readonly decimal Imbalance => Imbalances.Of(BestBidQuantity, BestAskQuantity);
}
