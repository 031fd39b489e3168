using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// Its reads are generated (DerivativesOrderBookLayouts: views.json's books, by TR id); what each field becomes is here.
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
        var f = new FieldReads(record);
        if (!DerivativesOrderBookLayouts.Read(tr.Id, ref f))
        {
            value = default;
            error = new DecodeError(DecodeErrorKind.UnknownTr);
            return false;
        }
        value = new DerivativesOrderBook
        {
            Market = DerivativesCodes.Market(tr),
            Code = f.Contract,
            Time = f.At,
            Depth = f.Levels,
            Asks = f.Asks,
            Bids = f.Bids,
            TotalAskOrders = f.TotalAskOrders,
            TotalBidOrders = f.TotalBidOrders,
            TotalAskQuantity = f.TotalAsk,
            TotalBidQuantity = f.TotalBid,
            TotalAskQuantityChange = f.TotalAskChange,
            TotalBidQuantityChange = f.TotalBidChange,
        };
        error = f.Error;
        return !error.IsError;
    }

    // What each field becomes, by its role; the order and the count are the TR's generated layout (DerivativesOrderBookLayouts:
    // H0ZOASP0's levels 6-10 after the totals are its layout's, not a rule here).
    private ref struct FieldReads(ReadOnlySpan<byte> record) : IDerivativesOrderBookFields
    {
        private TypedFieldReader _r = new(record);
        public OrderBookLevels Asks, Bids;
        public int Levels;
        public string Contract = "";
        public TimeOnly At;
        public long TotalAskOrders, TotalBidOrders, TotalAsk, TotalBid, TotalAskChange, TotalBidChange;

        public readonly DecodeError Error => _r.Error;

        public void Depth(int levels) => Levels = levels;
        public void Code() => Contract = _r.Text();
        public void Time() => At = _r.Time();
        public void AskPrice(int level) => Asks[level] = new OrderBookLevel(_r.Decimal(), 0);
        public void BidPrice(int level) => Bids[level] = new OrderBookLevel(_r.Decimal(), 0);
        public void AskCount(int level) => Asks[level] = Asks[level] with { Orders = _r.Int64() };
        public void BidCount(int level) => Bids[level] = Bids[level] with { Orders = _r.Int64() };
        public void AskQuantity(int level) => Asks[level] = Asks[level] with { Quantity = _r.Int64() };
        public void BidQuantity(int level) => Bids[level] = Bids[level] with { Quantity = _r.Int64() };
        public void TotalAskCount() => TotalAskOrders = _r.Int64();
        public void TotalBidCount() => TotalBidOrders = _r.Int64();
        public void TotalAskQuantity() => TotalAsk = _r.Int64();
        public void TotalBidQuantity() => TotalBid = _r.Int64();
        public void TotalAskQuantityChange() => TotalAskChange = _r.Int64();
        public void TotalBidQuantityChange() => TotalBidChange = _r.Int64();
    }
}
