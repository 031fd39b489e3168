using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// H0EWCNT0 ELW 실시간체결가: one trade of an ELW (equity-linked warrant) with its valuation figures and the liquidity
/// provider's holdings. The 63-field layout of KIS's function list (its chk mapping's 68 names are wrong).
/// </summary>
public readonly record struct ElwTrade : IKisRecord<ElwTrade>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0EWCNT0];

    /// <summary>mksc_shrn_iscd 유가증권 단축 종목코드: the ELW code, e.g. 57LA24.</summary>
    public string ElwCode { get; init; }
    /// <summary>stck_cntg_hour 주식 체결 시간.</summary>
    public TimeOnly Time { get; init; }
    /// <summary>stck_prpr 주식 현재가: the trade price.</summary>
    public decimal Price { get; init; }
    /// <summary>prdy_vrss_sign 전일 대비 부호.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>prdy_vrss 전일 대비.</summary>
    public decimal Change { get; init; }
    /// <summary>prdy_ctrt 전일 대비율, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>stck_oprc 주식 시가.</summary>
    public decimal Open { get; init; }
    /// <summary>stck_hgpr 주식 최고가.</summary>
    public decimal High { get; init; }
    /// <summary>stck_lwpr 주식 최저가.</summary>
    public decimal Low { get; init; }
    /// <summary>askp1 매도호가1.</summary>
    public decimal BestAsk { get; init; }
    /// <summary>bidp1 매수호가1.</summary>
    public decimal BestBid { get; init; }
    /// <summary>cntg_vol 체결 거래량: volume of this trade.</summary>
    public long Volume { get; init; }
    /// <summary>acml_vol 누적 거래량.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>acml_tr_pbmn 누적 거래 대금, KRW.</summary>
    public long CumulativeTradeValue { get; init; }
    /// <summary>cntg_cls_code 체결구분.</summary>
    public TradeSide Side { get; init; }
    /// <summary>bsop_date 영업 일자.</summary>
    public DateOnly? BusinessDate { get; init; }
    /// <summary>trht_yn 거래정지 여부.</summary>
    public bool IsHalted { get; init; }
    /// <summary>tmvl_val 시간가치값: time value.</summary>
    public decimal TimeValue { get; init; }
    /// <summary>prit 패리티: parity.</summary>
    public decimal Parity { get; init; }
    /// <summary>prmm_val 프리미엄값: premium.</summary>
    public decimal Premium { get; init; }
    /// <summary>gear 기어링: gearing.</summary>
    public decimal Gearing { get; init; }
    /// <summary>prls_qryr_rate 손익분기비율: break-even rate.</summary>
    public decimal BreakEvenRate { get; init; }
    /// <summary>invl_val 내재가치값: intrinsic value.</summary>
    public decimal IntrinsicValue { get; init; }
    /// <summary>prmm_rate 프리미엄비율: premium rate.</summary>
    public decimal PremiumRate { get; init; }
    /// <summary>cfp 자본지지점: capital fulcrum point.</summary>
    public decimal CapitalFulcrumPoint { get; init; }
    /// <summary>lvrg_val 레버리지값: leverage.</summary>
    public decimal Leverage { get; init; }
    /// <summary>delta 델타.</summary>
    public decimal Delta { get; init; }
    /// <summary>gama 감마.</summary>
    public decimal Gamma { get; init; }
    /// <summary>vega 베가.</summary>
    public decimal Vega { get; init; }
    /// <summary>theta 세타.</summary>
    public decimal Theta { get; init; }
    /// <summary>rho 로우.</summary>
    public decimal Rho { get; init; }
    /// <summary>hts_ints_vltl HTS내재변동성: implied volatility.</summary>
    public decimal ImpliedVolatility { get; init; }
    /// <summary>hts_thpr HTS이론가: theoretical price.</summary>
    public decimal TheoreticalPrice { get; init; }
    /// <summary>apprch_rate 접근도: approach rate.</summary>
    public decimal ApproachRate { get; init; }
    /// <summary>lp_hvol LP보유량: liquidity provider's holding.</summary>
    public long LpHolding { get; init; }
    /// <summary>lp_hldn_rate LP보유비율: liquidity provider's holding ratio, %.</summary>
    public decimal LpHoldingRate { get; init; }
    /// <summary>lp_ntby_qty LP순매도량: liquidity provider's net quantity (KIS's label: net sell).</summary>
    public long LpNetQuantity { get; init; }

    string IKisRecord<ElwTrade>.Key => ElwCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out ElwTrade value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        value = new ElwTrade
        {
            ElwCode = r.Text(),
            Time = r.Time(),
            Price = r.Decimal(),
            ChangeSign = CodeMapping.Sign(r.Digit()),
            Change = r.Decimal(),
            ChangeRate = r.Decimal(),
        };
        r.Skip(); // wghn_avrg_stck_prc
        value = value with
        {
            Open = r.Decimal(),
            High = r.Decimal(),
            Low = r.Decimal(),
            BestAsk = r.Decimal(),
            BestBid = r.Decimal(),
            Volume = r.Int64(),
            CumulativeVolume = r.Int64(),
            CumulativeTradeValue = r.Int64(),
        };
        for (var i = 0; i < 6; i++) r.Skip(); // trade counts, strength, buy/sell volumes
        value = value with { Side = Codes.Side(r.Digit()) };
        for (var i = 0; i < 11; i++) r.Skip(); // buy ratio, volume rate, open/high/low times and differences
        value = value with { BusinessDate = r.Date() };
        r.Skip(); // new_mkop_cls_code
        value = value with { IsHalted = Codes.Yes(r.Char()) };
        for (var i = 0; i < 4; i++) r.Skip(); // best quantities and totals
        value = value with
        {
            TimeValue = r.Decimal(),
            Parity = r.Decimal(),
            Premium = r.Decimal(),
            Gearing = r.Decimal(),
            BreakEvenRate = r.Decimal(),
            IntrinsicValue = r.Decimal(),
            PremiumRate = r.Decimal(),
            CapitalFulcrumPoint = r.Decimal(),
            Leverage = r.Decimal(),
            Delta = r.Decimal(),
            Gamma = r.Decimal(),
            Vega = r.Decimal(),
            Theta = r.Decimal(),
            Rho = r.Decimal(),
            ImpliedVolatility = r.Decimal(),
            TheoreticalPrice = r.Decimal(),
        };
        for (var i = 0; i < 3; i++) r.Skip(); // turnover, previous day's volume at this time and its rate
        value = value with
        {
            ApproachRate = r.Decimal(),
            LpHolding = r.Int64(),
            LpHoldingRate = r.Decimal(),
            LpNetQuantity = r.Int64(),
        };
        error = r.Error;
        return !error.IsError;
    }
}
