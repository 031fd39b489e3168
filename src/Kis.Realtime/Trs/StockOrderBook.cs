using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// Its reads are generated (StockOrderBookLayouts: views.json's books, by TR id); what each field becomes is here and in
// StockOrderBook.Reads.cs: levels built in place in inline arrays, a levels-only read for the backtest.
/// <summary>
/// H0STASP0 국내주식 실시간호가 (KRX), H0NXASP0 (NXT), H0UNASP0 (KRX+NXT 통합) and H0STOAA0 (KRX after-hours, 9 levels): the
/// order book of a domestic stock, with totals and the expected (auction) price. Levels are stored inline in <see cref="Asks"/> and
/// <see cref="Bids"/> (best first): decoding allocates nothing. H0NXASP0 and H0UNASP0 add the KRX and NXT mid prices.
/// </summary>
public readonly partial record struct StockOrderBook : IKisRecord<StockOrderBook>
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
        var book = new StockOrderBook(tr, record, out error); // built in place in this local, copied once into value
        value = error.Kind == DecodeErrorKind.UnknownTr ? default : book;
        return !error.IsError;
    }

    /// <summary>
    /// The levels alone (what a matching engine walks), for a decoder that keeps no <see cref="StockOrderBook"/>: every
    /// field read as <see cref="TryDecode"/> reads it, so it fails where that fails, but no text is built and the totals
    /// are only checked. The prices are read as whole won (a KRX stock's prices are; a price with a fraction fails the
    /// record here, where the engine, which counts in won, used to drop the fraction), which spares the engine twenty
    /// decimals a book. Each span holds <see cref="OrderBookLevels.MaxDepth"/>; levels past the TR's depth are zero.
    /// False for a TR that is not one of <see cref="Trs"/>.
    /// </summary>
    [Experimental("KISRT0001")]
    public static bool TryDecodeLevels(TrDefinition tr, ReadOnlySpan<byte> record, Span<long> askPrices, Span<long> askQuantities,
        Span<long> bidPrices, Span<long> bidQuantities)
    {
        askPrices[..OrderBookLevels.MaxDepth].Clear(); // levels past the TR's depth: zero, not an earlier book's
        bidPrices[..OrderBookLevels.MaxDepth].Clear();
        askQuantities[..OrderBookLevels.MaxDepth].Clear();
        bidQuantities[..OrderBookLevels.MaxDepth].Clear();
        var levels = new LevelReads(record, askPrices, askQuantities, bidPrices, bidQuantities);
        return StockOrderBookLayouts.Read(tr.Id, ref levels) && !levels.Error.IsError;
    }

    // The reads are the TR's generated layout (StockOrderBookLayouts, views.json's books); FieldReads says how each is kept.
    private StockOrderBook(TrDefinition tr, ReadOnlySpan<byte> record, out DecodeError error)
    {
        var f = new FieldReads(record, ref _asks, ref _bids);
        if (!StockOrderBookLayouts.Read(tr.Id, ref f))
        {
            (StockCode, SessionCode, DealTypeCode, error) = ("", "", "", new DecodeError(DecodeErrorKind.UnknownTr));
            return;
        }
        error = f.Error;
        Venue = Codes.Venue(tr);
        Depth = f.Levels;
        StockCode = f.Code;
        Time = f.At;
        SessionCode = f.Session;
        (TotalAskQuantity, TotalBidQuantity) = (f.TotalAsk, f.TotalBid);
        (AfterHoursTotalAskQuantity, AfterHoursTotalBidQuantity) = (f.AfterHoursTotalAsk, f.AfterHoursTotalBid);
        (ExpectedPrice, ExpectedQuantity, ExpectedVolume) = (f.Expected, f.ExpectedQty, f.ExpectedVol);
        (ExpectedChange, ExpectedChangeSign, ExpectedChangeRate) = (f.ExpectedDiff, f.ExpectedSign, f.ExpectedRate);
        CumulativeVolume = f.Volume;
        (TotalAskQuantityChange, TotalBidQuantityChange) = (f.TotalAskChange, f.TotalBidChange);
        (AfterHoursTotalAskQuantityChange, AfterHoursTotalBidQuantityChange) = (f.AfterHoursTotalAskChange, f.AfterHoursTotalBidChange);
        DealTypeCode = f.DealType;
        Mids = f.HasMids ? new MidPrices(f.KrxMid, f.KrxMidQty, f.KrxMidSide, f.NxtMid, f.NxtMidQty, f.NxtMidSide) : null;
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
