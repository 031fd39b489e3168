using Kis.Realtime.Protocol;

namespace Kis.Realtime.Trs;

/// <summary>
/// Typed subscriptions to the catalog TRs with a typed view. Each is <see cref="KisRealtimeClient.SubscribeAsync{T}"/>
/// with the right TR for the venue or market (and the paper id of notice TRs on paper); every other TR is reachable
/// through <see cref="KisRealtimeClient.SubscribeRecordsAsync"/> with <c>KisTrs.&lt;id&gt;</c>.
/// </summary>
public static class KisRealtimeClientTrsExtensions
{
    /// <summary>H0STCNT0 / H0NXCNT0 / H0UNCNT0: trades of a domestic stock.</summary>
    public static KisSubscription<StockTrade> SubscribeStockTradesAsync(this KisRealtimeClient client, string stockCode,
        StockVenue venue = StockVenue.Krx, CancellationToken cancellationToken = default)
        => client.SubscribeAsync<StockTrade>(ByVenue(venue, KisTrs.H0STCNT0, KisTrs.H0NXCNT0, KisTrs.H0UNCNT0), stockCode, cancellationToken);

    /// <summary>H0STASP0 / H0NXASP0 / H0UNASP0: the 10-level order book of a domestic stock.</summary>
    public static KisSubscription<StockOrderBook> SubscribeStockOrderBooksAsync(this KisRealtimeClient client, string stockCode,
        StockVenue venue = StockVenue.Krx, CancellationToken cancellationToken = default)
        => client.SubscribeAsync<StockOrderBook>(ByVenue(venue, KisTrs.H0STASP0, KisTrs.H0NXASP0, KisTrs.H0UNASP0), stockCode, cancellationToken);

    /// <summary>H0STANC0 / H0NXANC0 / H0UNANC0: expected (auction) trades of a domestic stock.</summary>
    public static KisSubscription<StockExpectedTrade> SubscribeStockExpectedTradesAsync(this KisRealtimeClient client, string stockCode,
        StockVenue venue = StockVenue.Krx, CancellationToken cancellationToken = default)
        => client.SubscribeAsync<StockExpectedTrade>(ByVenue(venue, KisTrs.H0STANC0, KisTrs.H0NXANC0, KisTrs.H0UNANC0), stockCode, cancellationToken);

    /// <summary>H0STMKO0 / H0NXMKO0 / H0UNMKO0: halts, VI and market phase of a domestic stock.</summary>
    public static KisSubscription<MarketStatus> SubscribeMarketStatusAsync(this KisRealtimeClient client, string stockCode,
        StockVenue venue = StockVenue.Krx, CancellationToken cancellationToken = default)
        => client.SubscribeAsync<MarketStatus>(ByVenue(venue, KisTrs.H0STMKO0, KisTrs.H0NXMKO0, KisTrs.H0UNMKO0), stockCode, cancellationToken);

    /// <summary>H0STCNI0 (real) / H0STCNI9 (paper): your domestic stock order and fill notices, decrypted.</summary>
    /// <exception cref="ArgumentException">No HTS ID given or configured.</exception>
    public static KisSubscription<StockNotice> SubscribeStockNoticesAsync(this KisRealtimeClient client, string? htsId = null,
        CancellationToken cancellationToken = default)
        => client.SubscribeAsync<StockNotice>(KisTrs.H0STCNI0, HtsId(client, htsId), cancellationToken);

    /// <summary>H0GSCNI0 (real) / H0GSCNI9 (paper): your overseas stock order and fill notices, decrypted.</summary>
    /// <exception cref="ArgumentException">No HTS ID given or configured.</exception>
    public static KisSubscription<OverseasStockNotice> SubscribeOverseasStockNoticesAsync(this KisRealtimeClient client, string? htsId = null,
        CancellationToken cancellationToken = default)
        => client.SubscribeAsync<OverseasStockNotice>(KisTrs.H0GSCNI0, HtsId(client, htsId), cancellationToken);

    /// <summary>HDFSCNT0: trades of an overseas stock; <paramref name="symbol"/> is D|R + exchange + ticker, e.g. DNASAAPL.</summary>
    public static KisSubscription<OverseasStockTrade> SubscribeOverseasStockTradesAsync(this KisRealtimeClient client, string symbol,
        CancellationToken cancellationToken = default)
        => client.SubscribeAsync<OverseasStockTrade>(KisTrs.HDFSCNT0, symbol, cancellationToken);

    /// <summary>HDFSASP0: the order book of an overseas stock (10 levels for US stocks).</summary>
    public static KisSubscription<OverseasStockOrderBook> SubscribeOverseasStockOrderBooksAsync(this KisRealtimeClient client, string symbol,
        CancellationToken cancellationToken = default)
        => client.SubscribeAsync<OverseasStockOrderBook>(KisTrs.HDFSASP0, symbol, cancellationToken);

    /// <summary>H0IFCNT0 / H0CFCNT0 / H0ZFCNT0 / H0MFCNT0: futures trades of <paramref name="market"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="market"/> is an options market.</exception>
    public static KisSubscription<FuturesTrade> SubscribeFuturesTradesAsync(this KisRealtimeClient client, string code,
        DerivativesMarket market = DerivativesMarket.IndexFutures, CancellationToken cancellationToken = default)
        => client.SubscribeAsync<FuturesTrade>(market switch
        {
            DerivativesMarket.IndexFutures => KisTrs.H0IFCNT0,
            DerivativesMarket.CommodityFutures => KisTrs.H0CFCNT0,
            DerivativesMarket.StockFutures => KisTrs.H0ZFCNT0,
            DerivativesMarket.NightFutures => KisTrs.H0MFCNT0,
            _ => throw new ArgumentOutOfRangeException(nameof(market), market, "Not a futures market."),
        }, code, cancellationToken);

    /// <summary>H0IOCNT0 / H0ZOCNT0 / H0EUCNT0: options trades of <paramref name="market"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="market"/> is a futures market.</exception>
    public static KisSubscription<OptionsTrade> SubscribeOptionsTradesAsync(this KisRealtimeClient client, string code,
        DerivativesMarket market = DerivativesMarket.IndexOptions, CancellationToken cancellationToken = default)
        => client.SubscribeAsync<OptionsTrade>(market switch
        {
            DerivativesMarket.IndexOptions => KisTrs.H0IOCNT0,
            DerivativesMarket.StockOptions => KisTrs.H0ZOCNT0,
            DerivativesMarket.NightOptions => KisTrs.H0EUCNT0,
            _ => throw new ArgumentOutOfRangeException(nameof(market), market, "Not an options market."),
        }, code, cancellationToken);

    /// <summary>The futures/options order book of <paramref name="market"/> (H0IFASP0, H0IOASP0, H0CFASP0, H0ZFASP0, H0ZOASP0, H0MFASP0, H0EUASP0).</summary>
    public static KisSubscription<DerivativesOrderBook> SubscribeDerivativesOrderBooksAsync(this KisRealtimeClient client, string code,
        DerivativesMarket market = DerivativesMarket.IndexFutures, CancellationToken cancellationToken = default)
        => client.SubscribeAsync<DerivativesOrderBook>(market switch
        {
            DerivativesMarket.IndexFutures => KisTrs.H0IFASP0,
            DerivativesMarket.IndexOptions => KisTrs.H0IOASP0,
            DerivativesMarket.CommodityFutures => KisTrs.H0CFASP0,
            DerivativesMarket.StockFutures => KisTrs.H0ZFASP0,
            DerivativesMarket.StockOptions => KisTrs.H0ZOASP0,
            DerivativesMarket.NightFutures => KisTrs.H0MFASP0,
            DerivativesMarket.NightOptions => KisTrs.H0EUASP0,
            _ => throw new ArgumentOutOfRangeException(nameof(market), market, "Unknown derivatives market."),
        }, code, cancellationToken);

    /// <summary>H0STNAV0: an ETF's NAV through the day.</summary>
    public static KisSubscription<EtfNav> SubscribeEtfNavAsync(this KisRealtimeClient client, string etfCode, CancellationToken cancellationToken = default)
        => client.SubscribeAsync<EtfNav>(KisTrs.H0STNAV0, etfCode, cancellationToken);

    /// <summary>H0EWCNT0: ELW trades.</summary>
    public static KisSubscription<ElwTrade> SubscribeElwTradesAsync(this KisRealtimeClient client, string elwCode, CancellationToken cancellationToken = default)
        => client.SubscribeAsync<ElwTrade>(KisTrs.H0EWCNT0, elwCode, cancellationToken);

    private static TrDefinition ByVenue(StockVenue venue, TrDefinition krx, TrDefinition nxt, TrDefinition unified) => venue switch
    {
        StockVenue.Krx => krx,
        StockVenue.Nxt => nxt,
        StockVenue.Unified => unified,
        _ => throw new ArgumentOutOfRangeException(nameof(venue), venue, "Unknown stock venue."),
    };

    private static string HtsId(KisRealtimeClient client, string? htsId)
        => htsId ?? client.Options.HtsId
           ?? throw new ArgumentException("Notices are keyed by HTS ID: pass one or set KisRealtimeOptions.HtsId.", nameof(htsId));
}
