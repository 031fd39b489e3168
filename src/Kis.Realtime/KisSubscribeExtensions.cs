using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// Typed subscriptions to every catalog TR with a typed view, on any <see cref="IKisRealtimeClient"/> (direct, gateway,
/// replay, or a test double). Each is <see cref="IKisRealtimeClient.SubscribeAsync{T}"/> with the right TR for the venue
/// or market; the source maps real ids to paper ids where it runs on paper. Every other TR is reachable through
/// <see cref="IKisRealtimeClient.SubscribeRecordsAsync"/> with <c>KisTrs.&lt;id&gt;</c>.
/// </summary>
public static class KisSubscribeExtensions
{
    /// <summary>H0UPCNT0: ticks of a domestic index (0001 KOSPI, 1001 KOSDAQ, 2001 KOSPI200 …).</summary>
    public static IAsyncEnumerable<IndexTick> SubscribeIndexTicksAsync(this IKisRealtimeClient client, string indexCode,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<IndexTick>(KisTrs.IndexTicks, indexCode, cancellationToken);

    /// <summary>H0BJCNT0: trades of an exchange-listed bond (12-character standard code, e.g. KR103502GD31).</summary>
    public static IAsyncEnumerable<BondTrade> SubscribeBondTradesAsync(this IKisRealtimeClient client, string isin,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<BondTrade>(KisTrs.BondTrades, isin, cancellationToken);

    /// <summary>H0STPGM0 (KRX, the default as for every venue-taking helper), H0NXPGM0 (Nextrade) or H0UNPGM0 (KRX+NXT):
    /// program trading of a stock (6-character code).</summary>
    public static IAsyncEnumerable<ProgramTrade> SubscribeProgramTradesAsync(this IKisRealtimeClient client, string stockCode,
        StockVenue venue = StockVenue.Krx, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<ProgramTrade>(ByVenue(venue, KisTrs.ProgramTradesKrx, KisTrs.ProgramTradesNxt, KisTrs.ProgramTradesUnified), stockCode,
            cancellationToken);

    /// <summary>H0IFCNI0 (real) / H0IFCNI9 (paper): your futures/options order and fill notices, decrypted.</summary>
    /// <exception cref="ArgumentException">No HTS ID given or configured.</exception>
    public static IAsyncEnumerable<FuturesOptionsNotice> SubscribeFuturesOptionsNoticesAsync(this IKisRealtimeClient client,
        string? htsId = null, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<FuturesOptionsNotice>(KisTrs.FuturesOptionsNotices, HtsId(client, htsId), cancellationToken);

    /// <summary>H0STCNT0 / H0NXCNT0 / H0UNCNT0: trades of a domestic stock.</summary>
    public static IAsyncEnumerable<StockTrade> SubscribeStockTradesAsync(this IKisRealtimeClient client, string stockCode,
        StockVenue venue = StockVenue.Krx, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<StockTrade>(ByVenue(venue, KisTrs.H0STCNT0, KisTrs.H0NXCNT0, KisTrs.H0UNCNT0), stockCode, cancellationToken);

    /// <summary>H0STASP0 / H0NXASP0 / H0UNASP0: the 10-level order book of a domestic stock.</summary>
    public static IAsyncEnumerable<StockOrderBook> SubscribeStockOrderBooksAsync(this IKisRealtimeClient client, string stockCode,
        StockVenue venue = StockVenue.Krx, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<StockOrderBook>(ByVenue(venue, KisTrs.H0STASP0, KisTrs.H0NXASP0, KisTrs.H0UNASP0), stockCode, cancellationToken);

    /// <summary>H0STANC0 / H0NXANC0 / H0UNANC0: expected (auction) trades of a domestic stock.</summary>
    public static IAsyncEnumerable<StockExpectedTrade> SubscribeStockExpectedTradesAsync(this IKisRealtimeClient client, string stockCode,
        StockVenue venue = StockVenue.Krx, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<StockExpectedTrade>(ByVenue(venue, KisTrs.H0STANC0, KisTrs.H0NXANC0, KisTrs.H0UNANC0), stockCode, cancellationToken);

    /// <summary>H0STMKO0 / H0NXMKO0 / H0UNMKO0: halts, VI and market phase of a domestic stock.</summary>
    public static IAsyncEnumerable<MarketStatus> SubscribeMarketStatusAsync(this IKisRealtimeClient client, string stockCode,
        StockVenue venue = StockVenue.Krx, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<MarketStatus>(ByVenue(venue, KisTrs.H0STMKO0, KisTrs.H0NXMKO0, KisTrs.H0UNMKO0), stockCode, cancellationToken);

    /// <summary>H0STCNI0 (real) / H0STCNI9 (paper): your domestic stock order and fill notices, decrypted.</summary>
    /// <exception cref="ArgumentException">No HTS ID given or configured.</exception>
    public static IAsyncEnumerable<StockNotice> SubscribeStockNoticesAsync(this IKisRealtimeClient client, string? htsId = null,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<StockNotice>(KisTrs.H0STCNI0, HtsId(client, htsId), cancellationToken);

    /// <summary>H0GSCNI0 (real) / H0GSCNI9 (paper): your overseas stock order and fill notices, decrypted.</summary>
    /// <exception cref="ArgumentException">No HTS ID given or configured.</exception>
    public static IAsyncEnumerable<OverseasStockNotice> SubscribeOverseasStockNoticesAsync(this IKisRealtimeClient client, string? htsId = null,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<OverseasStockNotice>(KisTrs.H0GSCNI0, HtsId(client, htsId), cancellationToken);

    /// <summary>HDFSCNT0: trades of an overseas stock; <paramref name="symbol"/> is D|R + exchange + ticker, e.g. DNASAAPL.</summary>
    public static IAsyncEnumerable<OverseasStockTrade> SubscribeOverseasStockTradesAsync(this IKisRealtimeClient client, string symbol,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<OverseasStockTrade>(KisTrs.HDFSCNT0, symbol, cancellationToken);

    /// <summary>HDFSASP0: the order book of an overseas stock (10 levels for US stocks).</summary>
    public static IAsyncEnumerable<OverseasStockOrderBook> SubscribeOverseasStockOrderBooksAsync(this IKisRealtimeClient client, string symbol,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<OverseasStockOrderBook>(KisTrs.HDFSASP0, symbol, cancellationToken);

    /// <summary>H0IFCNT0 / H0CFCNT0 / H0ZFCNT0 / H0MFCNT0: futures trades of <paramref name="market"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="market"/> is an options market.</exception>
    public static IAsyncEnumerable<FuturesTrade> SubscribeFuturesTradesAsync(this IKisRealtimeClient client, string code,
        DerivativesMarket market = DerivativesMarket.IndexFutures, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<FuturesTrade>(market switch
        {
            DerivativesMarket.IndexFutures => KisTrs.H0IFCNT0,
            DerivativesMarket.CommodityFutures => KisTrs.H0CFCNT0,
            DerivativesMarket.StockFutures => KisTrs.H0ZFCNT0,
            DerivativesMarket.NightFutures => KisTrs.H0MFCNT0,
            _ => throw new ArgumentOutOfRangeException(nameof(market), market, "Not a futures market."),
        }, code, cancellationToken);

    /// <summary>H0IOCNT0 / H0ZOCNT0 / H0EUCNT0: options trades of <paramref name="market"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="market"/> is a futures market.</exception>
    public static IAsyncEnumerable<OptionsTrade> SubscribeOptionsTradesAsync(this IKisRealtimeClient client, string code,
        DerivativesMarket market = DerivativesMarket.IndexOptions, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<OptionsTrade>(market switch
        {
            DerivativesMarket.IndexOptions => KisTrs.H0IOCNT0,
            DerivativesMarket.StockOptions => KisTrs.H0ZOCNT0,
            DerivativesMarket.NightOptions => KisTrs.H0EUCNT0,
            _ => throw new ArgumentOutOfRangeException(nameof(market), market, "Not an options market."),
        }, code, cancellationToken);

    /// <summary>The futures/options order book of <paramref name="market"/> (H0IFASP0, H0IOASP0, H0CFASP0, H0ZFASP0, H0ZOASP0, H0MFASP0, H0EUASP0).</summary>
    public static IAsyncEnumerable<DerivativesOrderBook> SubscribeDerivativesOrderBooksAsync(this IKisRealtimeClient client, string code,
        DerivativesMarket market = DerivativesMarket.IndexFutures, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<DerivativesOrderBook>(market switch
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
    public static IAsyncEnumerable<EtfNav> SubscribeEtfNavAsync(this IKisRealtimeClient client, string etfCode,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<EtfNav>(KisTrs.H0STNAV0, etfCode, cancellationToken);

    /// <summary>H0EWCNT0: ELW trades.</summary>
    public static IAsyncEnumerable<ElwTrade> SubscribeElwTradesAsync(this IKisRealtimeClient client, string elwCode,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<ElwTrade>(KisTrs.H0EWCNT0, elwCode, cancellationToken);

    /// <summary>H0BJASP0: the 5-level order book of an exchange-listed bond.</summary>
    public static IAsyncEnumerable<BondOrderBook> SubscribeBondOrderBooksAsync(this IKisRealtimeClient client, string isin,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<BondOrderBook>(KisTrs.H0BJASP0, isin, cancellationToken);

    /// <summary>H0BICNT0: ticks of a bond index.</summary>
    public static IAsyncEnumerable<BondIndexTick> SubscribeBondIndexTicksAsync(this IKisRealtimeClient client, string indexCode,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<BondIndexTick>(KisTrs.H0BICNT0, indexCode, cancellationToken);

    /// <summary>H0STMBC0 / H0NXMBC0 / H0UNMBC0: member-firm (broker) flow of a domestic stock.</summary>
    public static IAsyncEnumerable<BrokerFlow> SubscribeBrokerFlowAsync(this IKisRealtimeClient client, string stockCode,
        StockVenue venue = StockVenue.Krx, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<BrokerFlow>(ByVenue(venue, KisTrs.H0STMBC0, KisTrs.H0NXMBC0, KisTrs.H0UNMBC0), stockCode, cancellationToken);

    /// <summary>H0ZFANC0 / H0ZOANC0 / H0EUANC0: expected (auction) trades of stock futures, stock options or night options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">KIS has no expected-trade TR for <paramref name="market"/>.</exception>
    public static IAsyncEnumerable<DerivativesExpectedTrade> SubscribeDerivativesExpectedTradesAsync(this IKisRealtimeClient client, string code,
        DerivativesMarket market = DerivativesMarket.StockFutures, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<DerivativesExpectedTrade>(market switch
        {
            DerivativesMarket.StockFutures => KisTrs.H0ZFANC0,
            DerivativesMarket.StockOptions => KisTrs.H0ZOANC0,
            DerivativesMarket.NightOptions => KisTrs.H0EUANC0,
            _ => throw new ArgumentOutOfRangeException(nameof(market), market, "KIS has no real-time expected-trade TR for this market."),
        }, code, cancellationToken);

    /// <summary>HDFFF020: trades of an overseas future or option (the series code).</summary>
    public static IAsyncEnumerable<OverseasFuturesTrade> SubscribeOverseasFuturesTradesAsync(this IKisRealtimeClient client, string series,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<OverseasFuturesTrade>(KisTrs.HDFFF020, series, cancellationToken);

    /// <summary>HDFFF010: the order book of an overseas future or option.</summary>
    public static IAsyncEnumerable<OverseasFuturesOrderBook> SubscribeOverseasFuturesOrderBooksAsync(this IKisRealtimeClient client, string series,
        CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<OverseasFuturesOrderBook>(KisTrs.HDFFF010, series, cancellationToken);

    /// <summary>HDFFF2C0 (fills) or HDFFF1C0 (order events): your overseas futures/options notices, decrypted.</summary>
    /// <exception cref="ArgumentException">No HTS ID given or configured.</exception>
    public static IAsyncEnumerable<OverseasFuturesNotice> SubscribeOverseasFuturesNoticesAsync(this IKisRealtimeClient client, bool fills = true,
        string? htsId = null, CancellationToken cancellationToken = default)
        => Client(client).SubscribeAsync<OverseasFuturesNotice>(fills ? KisTrs.HDFFF2C0 : KisTrs.HDFFF1C0, HtsId(client, htsId), cancellationToken);

    private static IKisRealtimeClient Client(IKisRealtimeClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client;
    }

    private static TrDefinition ByVenue(StockVenue venue, TrDefinition krx, TrDefinition nxt, TrDefinition unified) => venue switch
    {
        StockVenue.Krx => krx,
        StockVenue.Nxt => nxt,
        StockVenue.Unified => unified,
        _ => throw new ArgumentOutOfRangeException(nameof(venue), venue, "Unknown stock venue."),
    };

    private static string HtsId(IKisRealtimeClient client, string? htsId)
        => htsId ?? Client(client).HtsId
           ?? throw new ArgumentException("Notices are keyed by HTS ID: pass one or configure the client's HtsId.", nameof(htsId));
}
