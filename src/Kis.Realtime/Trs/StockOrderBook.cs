using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// Hand-written (not in views.json): tuned (built in place), levels in inline arrays; the generator has no level properties yet.
/// <summary>
/// H0STASP0 국내주식 실시간호가 (KRX), H0NXASP0 (NXT), H0UNASP0 (KRX+NXT 통합) and H0STOAA0 (KRX after-hours, 9 levels): the
/// order book of a domestic stock, with totals and the expected (auction) price. Levels are stored inline in <see cref="Asks"/> and
/// <see cref="Bids"/> (best first): decoding allocates nothing. H0NXASP0 and H0UNASP0 add the KRX and NXT mid prices.
/// </summary>
public readonly record struct StockOrderBook : IKisRecord<StockOrderBook>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0STASP0, KisTrs.H0NXASP0, KisTrs.H0UNASP0, KisTrs.H0STOAA0];

    /// <summary>Levels per side: 10, or 9 for H0STOAA0 국내주식 시간외 실시간호가 (KRX after-hours book).</summary>
    public int Depth { get; init; }

    /// <summary>Which market's feed this came from (from the frame's TR id).</summary>
    public StockVenue Venue { get; init; }
    /// <summary>mksc_shrn_iscd 유가증권 단축 종목코드: the stock code.</summary>
    public string StockCode { get; init; }
    /// <summary>bsop_hour 영업 시간: time of the book (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>hour_cls_code 시간 구분 코드: session code (0 regular session; others after-hours, auctions), as sent.</summary>
    public string SessionCode { get; init; }
    // Backing fields of their own: the decoder writes the levels into them in place (no staging copies of ~700 bytes).
    private readonly OrderBookLevels _asks, _bids;

    /// <summary>askp1..10 매도호가 and askp_rsqn1..10 매도호가 잔량: the ask side, best (lowest) first.</summary>
    public OrderBookLevels Asks { get => _asks; init => _asks = value; }
    /// <summary>bidp1..10 매수호가 and bidp_rsqn1..10 매수호가 잔량: the bid side, best (highest) first.</summary>
    public OrderBookLevels Bids { get => _bids; init => _bids = value; }
    /// <summary>total_askp_rsqn 총 매도호가 잔량: total ask quantity.</summary>
    public long TotalAskQuantity { get; init; }
    /// <summary>total_bidp_rsqn 총 매수호가 잔량: total bid quantity.</summary>
    public long TotalBidQuantity { get; init; }
    /// <summary>ovtm_total_askp_rsqn 시간외 총 매도호가 잔량: after-hours total ask quantity.</summary>
    public long AfterHoursTotalAskQuantity { get; init; }
    /// <summary>ovtm_total_bidp_rsqn 시간외 총 매수호가 잔량: after-hours total bid quantity.</summary>
    public long AfterHoursTotalBidQuantity { get; init; }
    /// <summary>antc_cnpr 예상 체결가: expected (auction) price; 0 outside auctions.</summary>
    public decimal ExpectedPrice { get; init; }
    /// <summary>antc_cnqn 예상 체결량: expected (auction) quantity.</summary>
    public long ExpectedQuantity { get; init; }
    /// <summary>antc_vol 예상 거래량: expected volume.</summary>
    public long ExpectedVolume { get; init; }
    /// <summary>antc_cntg_vrss 예상 체결 대비: expected price minus the previous close.</summary>
    public decimal ExpectedChange { get; init; }
    /// <summary>antc_cntg_vrss_sign 예상 체결 대비 부호: direction of the expected price vs the previous close.</summary>
    public PriceChangeSign ExpectedChangeSign { get; init; }
    /// <summary>antc_cntg_prdy_ctrt 예상 체결 전일 대비율: expected change rate, %.</summary>
    public decimal ExpectedChangeRate { get; init; }
    /// <summary>acml_vol 누적 거래량: the day's volume so far.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>total_askp_rsqn_icdc 총 매도호가 잔량 증감: change in total ask quantity.</summary>
    public long TotalAskQuantityChange { get; init; }
    /// <summary>total_bidp_rsqn_icdc 총 매수호가 잔량 증감: change in total bid quantity.</summary>
    public long TotalBidQuantityChange { get; init; }
    /// <summary>ovtm_total_askp_icdc 시간외 총 매도호가 증감: change in after-hours total ask quantity.</summary>
    public long AfterHoursTotalAskQuantityChange { get; init; }
    /// <summary>ovtm_total_bidp_icdc 시간외 총 매수호가 증감: change in after-hours total bid quantity.</summary>
    public long AfterHoursTotalBidQuantityChange { get; init; }
    /// <summary>stck_deal_cls_code 주식 매매 구분 코드: deal type code, as sent (empty for H0STOAA0).</summary>
    public string DealTypeCode { get; init; }
    /// <summary>H0NXASP0 / H0UNASP0 only (null for H0STASP0): the KRX and NXT mid prices (kmid_*, nmid_*).</summary>
    public MidPrices? Mids { get; init; }

    /// <summary>The best ask (askp1); 0 when the side is empty.</summary>
    public decimal BestAsk => Asks[0].Price;
    /// <summary>The best bid (bidp1); 0 when the side is empty.</summary>
    public decimal BestBid => Bids[0].Price;

    string IKisRecord<StockOrderBook>.Key => StockCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out StockOrderBook value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        var book = new StockOrderBook(tr, ref r); // built in place in this local, copied once into value
        value = book;
        error = r.Error;
        return !error.IsError;
    }

    /// <summary>
    /// The levels alone (what a matching engine walks), for a decoder that keeps no <see cref="StockOrderBook"/>: every
    /// field read as <see cref="TryDecode"/> reads it, so it fails where that fails, but no text is built and the totals
    /// are only checked. The prices are read as whole won (a KRX stock's prices are; a price with a fraction fails the
    /// record here, where the engine, which counts in won, used to drop the fraction), which spares the engine twenty
    /// decimals a book. Each span holds <see cref="OrderBookLevels.MaxDepth"/>; levels past the TR's depth are zero.
    /// </summary>
    [Experimental("KISRT0001")]
    public static bool TryDecodeLevels(TrDefinition tr, ReadOnlySpan<byte> record, Span<long> askPrices, Span<long> askQuantities,
        Span<long> bidPrices, Span<long> bidQuantities)
    {
        var r = new TypedFieldReader(record);
        r.Skip(); // mksc_shrn_iscd
        r.Time(); // bsop_hour: read for its check, as TryDecode does
        r.Skip(); // hour_cls_code
        var afterHours = tr.Fields.Count < 59;
        var depth = afterHours ? 9 : OrderBookLevels.MaxDepth;
        for (var i = 0; i < depth; i++) askPrices[i] = r.Int64();
        for (var i = 0; i < depth; i++) bidPrices[i] = r.Int64();
        for (var i = 0; i < depth; i++) askQuantities[i] = r.Int64();
        for (var i = 0; i < depth; i++) bidQuantities[i] = r.Int64();
        for (var i = depth; i < OrderBookLevels.MaxDepth; i++) (askPrices[i], bidPrices[i], askQuantities[i], bidQuantities[i]) = (0, 0, 0, 0);
        for (var i = 0; i < 4; i++) r.Int64(); // the totals, then the after-hours totals
        r.Decimal(); // the expected price, quantity, volume, change, its sign and rate
        r.Int64();
        r.Int64();
        r.Decimal();
        r.Digit();
        r.Decimal();
        for (var i = 0; i < 5; i++) r.Int64(); // the cumulative volume and the four total changes
        if (!afterHours) r.Skip(); // stck_deal_cls_code
        if (tr.Fields.Count >= 65) // the mid prices
        {
            r.Decimal();
            r.Int64();
            r.Skip();
            r.Decimal();
            r.Int64();
            r.Skip();
        }
        return !r.Error.IsError;
    }

    private StockOrderBook(TrDefinition tr, ref TypedFieldReader r)
    {
        Venue = Codes.Venue(tr);
        StockCode = r.Text();
        Time = r.Time();
        SessionCode = r.Text();
        var afterHours = tr.Fields.Count < 59; // H0STOAA0: 9 levels, no stck_deal_cls_code
        var depth = afterHours ? 9 : OrderBookLevels.MaxDepth;
        Depth = depth;
        // Wire order: the ask prices, the bid prices, the ask quantities, the bid quantities.
        for (var i = 0; i < depth; i++) _asks[i] = new OrderBookLevel(r.Decimal(), 0);
        for (var i = 0; i < depth; i++) _bids[i] = new OrderBookLevel(r.Decimal(), 0);
        for (var i = 0; i < depth; i++) _asks[i] = new OrderBookLevel(_asks[i].Price, r.Int64());
        for (var i = 0; i < depth; i++) _bids[i] = new OrderBookLevel(_bids[i].Price, r.Int64());
        TotalAskQuantity = r.Int64();
        TotalBidQuantity = r.Int64();
        AfterHoursTotalAskQuantity = r.Int64();
        AfterHoursTotalBidQuantity = r.Int64();
        ExpectedPrice = r.Decimal();
        ExpectedQuantity = r.Int64();
        ExpectedVolume = r.Int64();
        ExpectedChange = r.Decimal();
        ExpectedChangeSign = CodeMapping.Sign(r.Digit());
        ExpectedChangeRate = r.Decimal();
        CumulativeVolume = r.Int64();
        TotalAskQuantityChange = r.Int64();
        TotalBidQuantityChange = r.Int64();
        AfterHoursTotalAskQuantityChange = r.Int64();
        AfterHoursTotalBidQuantityChange = r.Int64();
        DealTypeCode = afterHours ? "" : r.Text();
        Mids = tr.Fields.Count >= 65
            ? new MidPrices(r.Decimal(), r.Int64(), r.Text(), r.Decimal(), r.Int64(), r.Text())
            : null;
    }
}

/// <summary>The mid prices H0NXASP0 and H0UNASP0 append to the book.</summary>
/// <param name="KrxMidPrice">kmid_prc KRX 중간가.</param>
/// <param name="KrxMidQuantity">kmid_total_rsqn KRX 중간가잔량합계수량: quantity resting at the KRX mid.</param>
/// <param name="KrxMidSideCode">kmid_cls_code KRX 중간가 매수매도 구분: side code, as sent.</param>
/// <param name="NxtMidPrice">nmid_prc NXT 중간가.</param>
/// <param name="NxtMidQuantity">nmid_total_rsqn NXT 중간가잔량합계수량.</param>
/// <param name="NxtMidSideCode">nmid_cls_code NXT 중간가 매수매도 구분, as sent.</param>
public readonly record struct MidPrices(decimal KrxMidPrice, long KrxMidQuantity, string KrxMidSideCode,
    decimal NxtMidPrice, long NxtMidQuantity, string NxtMidSideCode);
