using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// Hand-written (not in views.json): its levels fill inline arrays, interleaved per TR; the generator has no level properties yet.
/// <summary>
/// The futures and options order books: 5 levels (H0IFASP0 지수선물, H0IOASP0 지수옵션, H0CFASP0 상품선물, H0MFASP0
/// KRX야간선물, H0EUASP0 KRX야간옵션 실시간호가) or 10 levels (H0ZFASP0 주식선물, H0ZOASP0 주식옵션). Each level has its
/// price (askpN/bidpN), quantity (askp_rsqnN/bidp_rsqnN) and order count (askp_csnuN/bidp_csnuN). H0ZOASP0 sends levels
/// 1–5 and the totals first, then levels 6–10; the view puts them in order.
/// </summary>
public readonly record struct DerivativesOrderBook : IKisRecord<DerivativesOrderBook>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } =
        [KisTrs.H0IFASP0, KisTrs.H0IOASP0, KisTrs.H0CFASP0, KisTrs.H0MFASP0, KisTrs.H0EUASP0, KisTrs.H0ZFASP0, KisTrs.H0ZOASP0];

    /// <summary>Which market (from the TR id).</summary>
    public DerivativesMarket Market { get; init; }
    /// <summary>futs_shrn_iscd / optn_shrn_iscd 단축 종목코드: the contract code.</summary>
    public string Code { get; init; }
    /// <summary>bsop_hour 영업 시간: time of the book (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>Levels per side: 5, or 10 for H0ZFASP0 and H0ZOASP0.</summary>
    public int Depth { get; init; }
    /// <summary>The ask side, best (lowest) first.</summary>
    public OrderBookLevels Asks { get; init; }
    /// <summary>The bid side, best (highest) first.</summary>
    public OrderBookLevels Bids { get; init; }
    /// <summary>total_askp_csnu 총 매도호가 건수.</summary>
    public long TotalAskOrders { get; init; }
    /// <summary>total_bidp_csnu 총 매수호가 건수.</summary>
    public long TotalBidOrders { get; init; }
    /// <summary>total_askp_rsqn 총 매도호가 잔량.</summary>
    public long TotalAskQuantity { get; init; }
    /// <summary>total_bidp_rsqn 총 매수호가 잔량.</summary>
    public long TotalBidQuantity { get; init; }
    /// <summary>total_askp_rsqn_icdc 총 매도호가 잔량 증감.</summary>
    public long TotalAskQuantityChange { get; init; }
    /// <summary>total_bidp_rsqn_icdc 총 매수호가 잔량 증감.</summary>
    public long TotalBidQuantityChange { get; init; }

    string IKisRecord<DerivativesOrderBook>.Key => Code;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out DerivativesOrderBook value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        var market = DerivativesCodes.Market(tr);
        var code = r.Text();
        var time = r.Time();
        OrderBookLevels asks = default, bids = default;
        var depth = tr.Fields.Count >= 68 ? 10 : 5;
        ReadBlock(ref r, ref asks, ref bids, 0, market == DerivativesMarket.StockOptions ? 5 : depth);
        value = new DerivativesOrderBook
        {
            Market = market,
            Code = code,
            Time = time,
            Depth = depth,
            TotalAskOrders = r.Int64(),
            TotalBidOrders = r.Int64(),
            TotalAskQuantity = r.Int64(),
            TotalBidQuantity = r.Int64(),
            TotalAskQuantityChange = r.Int64(),
            TotalBidQuantityChange = r.Int64(),
        };
        if (market == DerivativesMarket.StockOptions) ReadBlock(ref r, ref asks, ref bids, 5, 10);
        value = value with { Asks = asks, Bids = bids };
        error = r.Error;
        return !error.IsError;
    }

    // One block of levels [from, to): ask prices, bid prices, ask counts, bid counts, ask quantities, bid quantities.
    private static void ReadBlock(ref TypedFieldReader r, ref OrderBookLevels asks, ref OrderBookLevels bids, int from, int to)
    {
        Span<decimal> askPrices = stackalloc decimal[OrderBookLevels.MaxDepth];
        Span<decimal> bidPrices = stackalloc decimal[OrderBookLevels.MaxDepth];
        Span<long> askOrders = stackalloc long[OrderBookLevels.MaxDepth];
        Span<long> bidOrders = stackalloc long[OrderBookLevels.MaxDepth];
        for (var i = from; i < to; i++) askPrices[i] = r.Decimal();
        for (var i = from; i < to; i++) bidPrices[i] = r.Decimal();
        for (var i = from; i < to; i++) askOrders[i] = r.Int64();
        for (var i = from; i < to; i++) bidOrders[i] = r.Int64();
        for (var i = from; i < to; i++) asks[i] = new OrderBookLevel(askPrices[i], r.Int64(), askOrders[i]);
        for (var i = from; i < to; i++) bids[i] = new OrderBookLevel(bidPrices[i], r.Int64(), bidOrders[i]);
    }
}
