using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// H0IOCNT0 지수옵션, H0ZOCNT0 주식옵션 and H0EUCNT0 KRX야간옵션 실시간체결가: one options trade with its greeks. The TRs share
/// their first 53 fields; H0IOCNT0 and H0EUCNT0 append dynamic price limits (in different orders), which this view
/// reads per TR; H0ZOCNT0 carries none (null).
/// </summary>
public readonly record struct OptionsTrade : IKisRecord<OptionsTrade>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0IOCNT0, KisTrs.H0ZOCNT0, KisTrs.H0EUCNT0];

    /// <summary>Which market (from the TR id).</summary>
    public DerivativesMarket Market { get; init; }
    /// <summary>optn_shrn_iscd 옵션 단축 종목코드: the option code, e.g. 201W08427.</summary>
    public string Code { get; init; }
    /// <summary>bsop_hour 영업 시간: trade time (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>optn_prpr 옵션 현재가: the trade price (premium).</summary>
    public decimal Price { get; init; }
    /// <summary>prdy_vrss_sign 전일 대비 부호.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>optn_prdy_vrss 옵션 전일 대비.</summary>
    public decimal Change { get; init; }
    /// <summary>prdy_ctrt 전일 대비율, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>optn_oprc 옵션 시가2: open.</summary>
    public decimal Open { get; init; }
    /// <summary>optn_hgpr 옵션 최고가: high.</summary>
    public decimal High { get; init; }
    /// <summary>optn_lwpr 옵션 최저가: low.</summary>
    public decimal Low { get; init; }
    /// <summary>last_cnqn 최종 거래량: contracts in this trade.</summary>
    public long Volume { get; init; }
    /// <summary>acml_vol 누적 거래량.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>acml_tr_pbmn 누적 거래 대금 (KIS's unit).</summary>
    public long CumulativeTradeValue { get; init; }
    /// <summary>hts_thpr HTS 이론가: theoretical price.</summary>
    public decimal TheoreticalPrice { get; init; }
    /// <summary>hts_otst_stpl_qty HTS 미결제 약정 수량: open interest.</summary>
    public long OpenInterest { get; init; }
    /// <summary>otst_stpl_qty_icdc 미결제 약정 수량 증감.</summary>
    public long OpenInterestChange { get; init; }
    /// <summary>prmm_val 프리미엄 값.</summary>
    public decimal Premium { get; init; }
    /// <summary>invl_val 내재가치 값: intrinsic value.</summary>
    public decimal IntrinsicValue { get; init; }
    /// <summary>tmvl_val 시간가치 값: time value.</summary>
    public decimal TimeValue { get; init; }
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
    /// <summary>hts_ints_vltl HTS 내재 변동성: implied volatility.</summary>
    public decimal ImpliedVolatility { get; init; }
    /// <summary>unas_hist_vltl 역사적변동성: historical volatility of the underlying.</summary>
    public decimal HistoricalVolatility { get; init; }
    /// <summary>optn_askp1 옵션 매도호가1: best ask.</summary>
    public decimal BestAsk { get; init; }
    /// <summary>optn_bidp1 옵션 매수호가1: best bid.</summary>
    public decimal BestBid { get; init; }
    /// <summary>askp_rsqn1 매도호가 잔량1.</summary>
    public long BestAskQuantity { get; init; }
    /// <summary>bidp_rsqn1 매수호가 잔량1.</summary>
    public long BestBidQuantity { get; init; }
    /// <summary>total_askp_rsqn 총 매도호가 잔량.</summary>
    public long TotalAskQuantity { get; init; }
    /// <summary>total_bidp_rsqn 총 매수호가 잔량.</summary>
    public long TotalBidQuantity { get; init; }
    /// <summary>dynm_mxpr 실시간상한가 (H0IOCNT0, H0EUCNT0; else null).</summary>
    public decimal? DynamicUpperLimit { get; init; }
    /// <summary>dynm_llam 실시간하한가 (H0IOCNT0, H0EUCNT0; else null).</summary>
    public decimal? DynamicLowerLimit { get; init; }

    string IKisRecord<OptionsTrade>.Key => Code;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out OptionsTrade value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        var market = DerivativesCodes.Market(tr);
        value = new OptionsTrade
        {
            Market = market,
            Code = r.Text(),
            Time = r.Time(),
            Price = r.Decimal(),
            ChangeSign = CodeMapping.Sign(r.Digit()),
            Change = r.Decimal(),
            ChangeRate = r.Decimal(),
            Open = r.Decimal(),
            High = r.Decimal(),
            Low = r.Decimal(),
            Volume = r.Int64(),
            CumulativeVolume = r.Int64(),
            CumulativeTradeValue = r.Int64(),
            TheoreticalPrice = r.Decimal(),
            OpenInterest = r.Int64(),
            OpenInterestChange = r.Int64(),
        };
        for (var i = 0; i < 10; i++) r.Skip(); // open/high/low times, signs and differences; buy ratio
        value = value with
        {
            Premium = r.Decimal(),
            IntrinsicValue = r.Decimal(),
            TimeValue = r.Decimal(),
            Delta = r.Decimal(),
            Gamma = r.Decimal(),
            Vega = r.Decimal(),
            Theta = r.Decimal(),
            Rho = r.Decimal(),
            ImpliedVolatility = r.Decimal(),
        };
        for (var i = 0; i < 3; i++) r.Skip(); // esdg, otst_stpl_rgbf_qty_icdc, thpr_basis
        value = value with { HistoricalVolatility = r.Decimal() };
        for (var i = 0; i < 3; i++) r.Skip(); // cttr, dprt, mrkt_basis
        value = value with
        {
            BestAsk = r.Decimal(),
            BestBid = r.Decimal(),
            BestAskQuantity = r.Int64(),
            BestBidQuantity = r.Int64(),
        };
        for (var i = 0; i < 5; i++) r.Skip(); // trade counts and buy/sell volumes
        value = value with
        {
            TotalAskQuantity = r.Int64(),
            TotalBidQuantity = r.Int64(),
        };
        r.Skip(); // prdy_vol_vrss_acml_vol_rate
        if (market == DerivativesMarket.IndexOptions)
        {
            r.Skip(); // avrg_vltl
            r.Skip(); // dscs_lrqn_vol
            value = value with { DynamicUpperLimit = r.Decimal(), DynamicLowerLimit = r.Decimal() };
            r.Skip(); // dynm_prc_limt_yn
        }
        else if (market == DerivativesMarket.NightOptions)
        {
            var upper = r.Decimal();
            r.Skip(); // dynm_prc_limt_yn
            value = value with { DynamicUpperLimit = upper, DynamicLowerLimit = r.Decimal() };
        }
        error = r.Error;
        return !error.IsError;
    }
}
