
namespace Kis.Realtime;

/// <summary>
/// Reads what bars and gap detection need from one typed trade view. Implemented by empty structs
/// (<see cref="StockTradeAccessor"/> …) so the aggregator is specialised per view: no boxing, no virtual call, 0 B per
/// trade. Implement it for your own view to build bars from it.
/// </summary>
/// <typeparam name="TTrade">The typed trade view.</typeparam>
/// <remarks>
/// The library's accessors are generated from the 'trade' entry of their view in tools/trs/views.json (which property is
/// the time, price, volume, cumulative volume: Bars/TradeAccessors.g.cs, the same entry that gives gap detection its
/// fields); each one's session rule is below.
/// </remarks>
public interface ITradeAccessor<TTrade> where TTrade : struct
{
    /// <summary>The instrument (the subscription key).</summary>
    static abstract string Key(in TTrade trade);
    /// <summary>The TR the value came from (e.g. H0STCNT0): gap detection keeps one state per TR and key.</summary>
    static abstract string TrId(in TTrade trade);
    /// <summary>False for values that are not trades (e.g. expected index values of H0UPANC0): they are skipped.</summary>
    static abstract bool IsTrade(in TTrade trade);
    /// <summary>The KST date the trade is stamped with (bsop_date, kymd) when the view carries one, else null (then the
    /// previous trade's, or <see cref="BarOptions.TradingDate"/>). The trading day comes from the market's calendar.</summary>
    static abstract DateOnly? Date(in TTrade trade);
    /// <summary>The trade time, KST.</summary>
    static abstract TimeOnly Time(in TTrade trade);
    /// <summary>The trade price (index value for index ticks).</summary>
    static abstract decimal Price(in TTrade trade);
    /// <summary>The trade's volume.</summary>
    static abstract long Volume(in TTrade trade);
    /// <summary>The session's cumulative volume after this trade (acml_vol), or −1 when the view carries none.</summary>
    static abstract long CumulativeVolume(in TTrade trade);
    /// <summary>True when the traded value is price × volume; false when <see cref="Value"/> reads a field.</summary>
    static abstract bool ValueIsPriceTimesVolume { get; }
    /// <summary>The trade's value when <see cref="ValueIsPriceTimesVolume"/> is false (not called otherwise).</summary>
    static abstract decimal Value(in TTrade trade);
    /// <summary>Which session the trade belongs to.</summary>
    static abstract TradingSessions Session(in TTrade trade);
}

/// <summary>
/// <see cref="StockTrade"/> (H0STCNT0 KRX, H0NXCNT0 NXT, H0UNCNT0 unified, H0STOUP0 KRX after-hours). Date: bsop_date.
/// Session by the venue's calendar (<see cref="MarketCalendar"/>): the closing auction's print, stamped 15:30:0x,
/// is regular on KRX (to 15:40) and unified (to 15:31); NXT has no closing auction, its after-market starts at 15:30.
/// </summary>
public readonly partial struct StockTradeAccessor
{
    /// <inheritdoc/>
    public static TradingSessions Session(in StockTrade trade) =>
        // Seoul time: the business date picks the day's hours (a late open, the exam day), the time of day the session.
        MarketCalendar.ForVenue(trade.Venue).SessionAt((trade.BusinessDate is { } date ? date.DayNumber * TimeSpan.TicksPerDay : 0) + trade.Time.Ticks);
}

/// <summary>
/// <see cref="IndexTick"/> (H0UPCNT0): price = the index value, volume = pcas_vol, value = pcas_tr_pbmn. Expected
/// values (H0UPANC0) are not trades and are skipped. No date on the wire.
/// </summary>
public readonly partial struct IndexTickAccessor
{
    /// <inheritdoc/>
    public static TradingSessions Session(in IndexTick trade) => MarketCalendar.KrxIndices.SessionAt(trade.Time.Ticks);
}

/// <summary>
/// <see cref="FuturesTrade"/> (H0IFCNT0, H0CFCNT0, H0ZFCNT0, H0MFCNT0): value = price × contracts (no multiplier). The
/// night session (H0MFCNT0) is <see cref="TradingSessions.Night"/>. No date on the wire.
/// </summary>
public readonly partial struct FuturesTradeAccessor
{
    /// <inheritdoc/>
    public static TradingSessions Session(in FuturesTrade trade) =>
        trade.Market == DerivativesMarket.NightFutures ? TradingSessions.Night : TradingSessions.Regular;
}

/// <summary>
/// <see cref="OptionsTrade"/> (H0IOCNT0, H0ZOCNT0, H0EUCNT0): value = premium × contracts (no multiplier). The night
/// session (H0EUCNT0) is <see cref="TradingSessions.Night"/>. No date on the wire.
/// </summary>
public readonly partial struct OptionsTradeAccessor
{
    /// <inheritdoc/>
    public static TradingSessions Session(in OptionsTrade trade) =>
        trade.Market == DerivativesMarket.NightOptions ? TradingSessions.Night : TradingSessions.Regular;
}

/// <summary>
/// <see cref="OverseasStockTrade"/> (HDFSCNT0): stamped in KST (kymd/khms); bars on the market's own clock and trading day
/// (New York for US keys, with summer time), value in the market's currency. Session by the market's calendar (mtyp's
/// values are not documented in KIS's samples).
/// </summary>
public readonly partial struct OverseasStockTradeAccessor
{
    /// <inheritdoc/>
    public static TradingSessions Session(in OverseasStockTrade trade)
    {
        var calendar = MarketCalendar.For("HDFSCNT0", trade.Symbol);
        var kst = (trade.KoreaDate ?? DateOnly.MinValue).DayNumber * TimeSpan.TicksPerDay + trade.KoreaTime.Ticks;
        return calendar.SessionAt(calendar.LocalTicks(MarketCalendar.KstToUtc(kst)));
    }
}
