using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// HDFFF020 해외선물옵션 실시간체결가: one trade of an overseas future or option (CME, SGX, Eurex …). Prices in the
/// contract's currency and quotation, as sent. KIS does not document the format of its time fields
/// (mrkt_open_time, recv_time …), so they are kept as text.
/// </summary>
public readonly record struct OverseasFuturesTrade : IKisRecord<OverseasFuturesTrade>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.HDFFF020];

    /// <summary>series_cd 종목코드: the series code, e.g. 1OZQ25.</summary>
    public string SeriesCode { get; init; }
    /// <summary>bsns_date 영업일자: business date.</summary>
    public DateOnly? BusinessDate { get; init; }
    /// <summary>mrkt_open_date 장개시일자.</summary>
    public DateOnly? MarketOpenDate { get; init; }
    /// <summary>mrkt_open_time 장개시시각, as sent.</summary>
    public string MarketOpenTime { get; init; }
    /// <summary>mrkt_close_date 장종료일자.</summary>
    public DateOnly? MarketCloseDate { get; init; }
    /// <summary>mrkt_close_time 장종료시각, as sent.</summary>
    public string MarketCloseTime { get; init; }
    /// <summary>prev_price 전일종가: previous close.</summary>
    public decimal PreviousClose { get; init; }
    /// <summary>recv_date 수신일자: date KIS received the trade.</summary>
    public DateOnly? ReceivedDate { get; init; }
    /// <summary>recv_time 수신시각: time KIS received the trade, as sent.</summary>
    public string ReceivedTime { get; init; }
    /// <summary>active_flag 본장_전산장구분: regular or electronic session code, as sent.</summary>
    public string SessionCode { get; init; }
    /// <summary>last_price 체결가격: the trade price.</summary>
    public decimal Price { get; init; }
    /// <summary>last_qntt 체결수량: contracts in this trade.</summary>
    public long Volume { get; init; }
    /// <summary>prev_diff_price 전일대비가: change vs the previous close.</summary>
    public decimal Change { get; init; }
    /// <summary>prev_diff_rate 등락률, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>open_price 시가.</summary>
    public decimal Open { get; init; }
    /// <summary>high_price 고가.</summary>
    public decimal High { get; init; }
    /// <summary>low_price 저가.</summary>
    public decimal Low { get; init; }
    /// <summary>vol 누적거래량: contracts traded so far.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>prev_sign 전일대비부호.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>quotsign 체결구분: trade side code, as sent.</summary>
    public string TradeSideCode { get; init; }
    /// <summary>recv_time2 수신시각2 (만분의일초, 1/10,000 s), as sent.</summary>
    public string ReceivedTimePrecise { get; init; }
    /// <summary>psttl_price 전일정산가: previous settlement price.</summary>
    public decimal PreviousSettlement { get; init; }
    /// <summary>psttl_sign 전일정산가대비: direction vs the previous settlement.</summary>
    public PriceChangeSign SettlementChangeSign { get; init; }
    /// <summary>psttl_diff_price 전일정산가대비가격.</summary>
    public decimal SettlementChange { get; init; }
    /// <summary>psttl_diff_rate 전일정산가대비율, %.</summary>
    public decimal SettlementChangeRate { get; init; }

    string IKisRecord<OverseasFuturesTrade>.Key => SeriesCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out OverseasFuturesTrade value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        value = new OverseasFuturesTrade
        {
            SeriesCode = r.Text(),
            BusinessDate = r.Date(),
            MarketOpenDate = r.Date(),
            MarketOpenTime = r.Text(),
            MarketCloseDate = r.Date(),
            MarketCloseTime = r.Text(),
            PreviousClose = r.Decimal(),
            ReceivedDate = r.Date(),
            ReceivedTime = r.Text(),
            SessionCode = r.Text(),
            Price = r.Decimal(),
            Volume = r.Int64(),
            Change = r.Decimal(),
            ChangeRate = r.Decimal(),
            Open = r.Decimal(),
            High = r.Decimal(),
            Low = r.Decimal(),
            CumulativeVolume = r.Int64(),
            ChangeSign = CodeMapping.Sign(r.Digit()),
            TradeSideCode = r.Text(),
            ReceivedTimePrecise = r.Text(),
            PreviousSettlement = r.Decimal(),
            SettlementChangeSign = CodeMapping.Sign(r.Digit()),
            SettlementChange = r.Decimal(),
            SettlementChangeRate = r.Decimal(),
        };
        error = r.Error;
        return !error.IsError;
    }
}

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
