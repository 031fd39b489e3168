using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// H0STANC0 국내주식 실시간예상체결 (KRX), H0NXANC0 (NXT), H0UNANC0 (통합) and H0STOAC0 (KRX after-hours): the expected (auction) price and volume of
/// a domestic stock during the opening and closing auctions. KIS reuses the trade TR's layout and labels; in this feed
/// stck_prpr is the expected price and cntg_vol the expected volume.
/// </summary>
public readonly record struct StockExpectedTrade : IKisRecord<StockExpectedTrade>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0STANC0, KisTrs.H0NXANC0, KisTrs.H0UNANC0, KisTrs.H0STOAC0];

    /// <summary>True for H0STOAC0 국내주식 시간외 실시간예상체결 (KRX after-hours: the first 43 fields; session and random-end codes empty).</summary>
    public bool IsAfterHours { get; init; }

    /// <summary>Which market's feed this came from.</summary>
    public StockVenue Venue { get; init; }
    /// <summary>mksc_shrn_iscd 유가증권 단축 종목코드: the stock code.</summary>
    public string StockCode { get; init; }
    /// <summary>stck_cntg_hour 주식 체결 시간: time (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>stck_prpr 주식 현재가: the expected (auction) price.</summary>
    public decimal ExpectedPrice { get; init; }
    /// <summary>prdy_vrss_sign 전일 대비 부호: direction of the expected price vs the previous close.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>prdy_vrss 전일 대비: expected price minus the previous close.</summary>
    public decimal Change { get; init; }
    /// <summary>prdy_ctrt 전일 대비율: expected change, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>stck_oprc 주식 시가: open.</summary>
    public decimal Open { get; init; }
    /// <summary>stck_hgpr 주식 최고가: high.</summary>
    public decimal High { get; init; }
    /// <summary>stck_lwpr 주식 최저가: low.</summary>
    public decimal Low { get; init; }
    /// <summary>askp1 매도호가1: best ask.</summary>
    public decimal BestAsk { get; init; }
    /// <summary>bidp1 매수호가1: best bid.</summary>
    public decimal BestBid { get; init; }
    /// <summary>cntg_vol 체결 거래량: the expected volume at the expected price.</summary>
    public long ExpectedVolume { get; init; }
    /// <summary>acml_vol 누적 거래량: the day's volume so far.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>acml_tr_pbmn 누적 거래 대금: the day's traded value so far, KRW.</summary>
    public long CumulativeTradeValue { get; init; }
    /// <summary>cntg_cls_code 체결구분: trade side code as a <see cref="TradeSide"/>.</summary>
    public TradeSide Side { get; init; }
    /// <summary>bsop_date 영업 일자: business date (null when empty or 00000000).</summary>
    public DateOnly? BusinessDate { get; init; }
    /// <summary>new_mkop_cls_code 신 장운영 구분 코드: market operation code, as sent.</summary>
    public string MarketOperationCode { get; init; }
    /// <summary>trht_yn 거래정지 여부: true when halted.</summary>
    public bool IsHalted { get; init; }
    /// <summary>askp_rsqn1 매도호가 잔량1.</summary>
    public long BestAskQuantity { get; init; }
    /// <summary>bidp_rsqn1 매수호가 잔량1.</summary>
    public long BestBidQuantity { get; init; }
    /// <summary>total_askp_rsqn 총 매도호가 잔량.</summary>
    public long TotalAskQuantity { get; init; }
    /// <summary>total_bidp_rsqn 총 매수호가 잔량.</summary>
    public long TotalBidQuantity { get; init; }
    /// <summary>hour_cls_code 시간 구분 코드: session code, as sent.</summary>
    public string SessionCode { get; init; }
    /// <summary>mrkt_trtm_cls_code 임의종료구분코드: random-end code, as sent.</summary>
    public string RandomEndCode { get; init; }
    /// <summary>vi_stnd_prc (H0NXANC0/H0UNANC0 only; "VI 상태값", VI status): as sent; empty for H0STANC0.</summary>
    public string ViStatusCode { get; init; }

    string IKisRecord<StockExpectedTrade>.Key => StockCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out StockExpectedTrade value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        var code = r.Text();
        var time = r.Time();
        var price = r.Decimal();
        var sign = CodeMapping.Sign(r.Digit());
        var change = r.Decimal();
        var rate = r.Decimal();
        r.Skip(); // wghn_avrg_stck_prc
        var open = r.Decimal();
        var high = r.Decimal();
        var low = r.Decimal();
        var ask = r.Decimal();
        var bid = r.Decimal();
        var volume = r.Int64();
        var accumulated = r.Int64();
        var value_ = r.Int64();
        for (var i = 0; i < 6; i++) r.Skip(); // trade counts, strength, buy/sell volumes: not meaningful before the auction
        var side = Codes.Side(r.Digit());
        for (var i = 0; i < 11; i++) r.Skip(); // buy ratio, volume rate, open/high/low times and differences
        value = new StockExpectedTrade
        {
            Venue = Codes.Venue(tr),
            StockCode = code,
            Time = time,
            ExpectedPrice = price,
            ChangeSign = sign,
            Change = change,
            ChangeRate = rate,
            Open = open,
            High = high,
            Low = low,
            BestAsk = ask,
            BestBid = bid,
            ExpectedVolume = volume,
            CumulativeVolume = accumulated,
            CumulativeTradeValue = value_,
            Side = side,
            BusinessDate = r.Date(),
            MarketOperationCode = r.Text(),
            IsHalted = Codes.Yes(r.Char()),
            BestAskQuantity = r.Int64(),
            BestBidQuantity = r.Int64(),
            TotalAskQuantity = r.Int64(),
            TotalBidQuantity = r.Int64(),
        };
        r.Skip(); // vol_tnrt
        r.Skip(); // prdy_smns_hour_acml_vol
        r.Skip(); // prdy_smns_hour_acml_vol_rate
        var afterHours = tr.Fields.Count < 45;
        value = value with
        {
            IsAfterHours = afterHours,
            SessionCode = afterHours ? "" : r.Text(),
            RandomEndCode = afterHours ? "" : r.Text(),
            ViStatusCode = tr.Fields.Count > 45 ? r.Text() : "",
        };
        error = r.Error;
        return !error.IsError;
    }
}
