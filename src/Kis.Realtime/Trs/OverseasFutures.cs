using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// Its reads are generated (OverseasFuturesOrderBookLayouts: views.json's books, by TR id); what each field becomes is here.
/// <summary>
/// HDFFF010 해외선물옵션 실시간호가: the 5-level order book of an overseas future or option. Each level has its price
/// (bid_price_N / ask_price_N), quantity (bid_qntt_N / ask_qntt_N) and bid_num_N / ask_num_N (KIS's 매수N번호, read as the
/// number of orders).
/// </summary>
public readonly record struct OverseasFuturesOrderBook : IKisRecord<OverseasFuturesOrderBook>
{
    /// <summary>Levels per side.</summary>
    public const int Depth = 5;

    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.HDFFF010];

    /// <summary>series_cd 종목코드.</summary>
    public string SeriesCode { get; init; }
    /// <summary>recv_date 수신일자.</summary>
    public DateOnly? ReceivedDate { get; init; }
    /// <summary>recv_time 수신시각, as sent.</summary>
    public string ReceivedTime { get; init; }
    /// <summary>prev_price 전일종가.</summary>
    public decimal PreviousClose { get; init; }
    /// <summary>The ask side, best first.</summary>
    public OrderBookLevels Asks { get; init; }
    /// <summary>The bid side, best first.</summary>
    public OrderBookLevels Bids { get; init; }
    /// <summary>sttl_price 전일정산가: previous settlement price.</summary>
    public decimal PreviousSettlement { get; init; }

    string IKisRecord<OverseasFuturesOrderBook>.Key => SeriesCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out OverseasFuturesOrderBook value, out DecodeError error)
    {
        var f = new FieldReads(record);
        if (!OverseasFuturesOrderBookLayouts.Read(tr.Id, ref f))
        {
            value = default;
            error = new DecodeError(DecodeErrorKind.UnknownTr);
            return false;
        }
        value = new OverseasFuturesOrderBook
        {
            SeriesCode = f.Series,
            ReceivedDate = f.Date,
            ReceivedTime = f.At,
            PreviousClose = f.Previous,
            Asks = f.Asks,
            Bids = f.Bids,
            PreviousSettlement = f.Settlement,
        };
        error = f.Error;
        return !error.IsError;
    }

    // What each field becomes, by its role; the order and the count are the TR's generated layout (OverseasFuturesOrderBookLayouts).
    private ref struct FieldReads(ReadOnlySpan<byte> record) : IOverseasFuturesOrderBookFields
    {
        private TypedFieldReader _r = new(record);
        public OrderBookLevels Asks, Bids;
        public string Series = "", At = "";
        public DateOnly? Date;
        public decimal Previous, Settlement;

        public readonly DecodeError Error => _r.Error;

        public readonly void Depth(int levels) { } // always Depth (5): the layout's, checked by BookLayoutTests
        public void SeriesCode() => Series = _r.Text();
        public void ReceivedDate() => Date = _r.Date();
        public void ReceivedTime() => At = _r.Text();
        public void PreviousClose() => Previous = _r.Decimal();
        public void PreviousSettlement() => Settlement = _r.Decimal();
        public void BidQuantity(int level) => Bids[level] = Bids[level] with { Quantity = _r.Int64() };
        public void BidCount(int level) => Bids[level] = Bids[level] with { Orders = _r.Int64() };
        public void BidPrice(int level) => Bids[level] = Bids[level] with { Price = _r.Decimal() };
        public void AskQuantity(int level) => Asks[level] = Asks[level] with { Quantity = _r.Int64() };
        public void AskCount(int level) => Asks[level] = Asks[level] with { Orders = _r.Int64() };
        public void AskPrice(int level) => Asks[level] = Asks[level] with { Price = _r.Decimal() };
    }
}
