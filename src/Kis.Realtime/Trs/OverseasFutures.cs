using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// Hand-written (not in views.json): its levels fill inline arrays, interleaved per TR; the generator has no level properties yet.
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
        var r = new TypedFieldReader(record);
        var code = r.Text();
        var date = r.Date();
        var time = r.Text();
        var previous = r.Decimal();
        OrderBookLevels asks = default, bids = default;
        for (var i = 0; i < Depth; i++)
        {
            // Per level: bid quantity, bid number, bid price, ask quantity, ask number, ask price.
            var bidQuantity = r.Int64();
            var bidOrders = r.Int64();
            bids[i] = new OrderBookLevel(r.Decimal(), bidQuantity, bidOrders);
            var askQuantity = r.Int64();
            var askOrders = r.Int64();
            asks[i] = new OrderBookLevel(r.Decimal(), askQuantity, askOrders);
        }
        value = new OverseasFuturesOrderBook
        {
            SeriesCode = code,
            ReceivedDate = date,
            ReceivedTime = time,
            PreviousClose = previous,
            Asks = asks,
            Bids = bids,
            PreviousSettlement = r.Decimal(),
        };
        error = r.Error;
        return !error.IsError;
    }
}
