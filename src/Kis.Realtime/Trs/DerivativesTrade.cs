using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>Which domestic derivatives market a futures/options TR covers (from the TR id).</summary>
public enum DerivativesMarket : byte
{
    /// <summary>H0IF…: index futures (지수선물), e.g. KOSPI200 futures 101W09.</summary>
    IndexFutures = 1,
    /// <summary>H0IO…: index options (지수옵션).</summary>
    IndexOptions = 2,
    /// <summary>H0CF…: commodity futures (상품선물): bonds, currencies.</summary>
    CommodityFutures = 3,
    /// <summary>H0ZF…: stock futures (주식선물).</summary>
    StockFutures = 4,
    /// <summary>H0ZO…: stock options (주식옵션).</summary>
    StockOptions = 5,
    /// <summary>H0MF…: KRX night-session futures (야간선물).</summary>
    NightFutures = 6,
    /// <summary>H0EU…: KRX night-session options (야간옵션).</summary>
    NightOptions = 7,
}

internal static class DerivativesCodes
{
    public static DerivativesMarket Market(TrDefinition tr) => (tr.Id[2], tr.Id[3]) switch
    {
        ('I', 'F') => DerivativesMarket.IndexFutures,
        ('I', 'O') => DerivativesMarket.IndexOptions,
        ('C', 'F') => DerivativesMarket.CommodityFutures,
        ('Z', 'F') => DerivativesMarket.StockFutures,
        ('Z', 'O') => DerivativesMarket.StockOptions,
        ('M', 'F') => DerivativesMarket.NightFutures,
        _ => DerivativesMarket.NightOptions,
    };
}

/// <summary>
/// H0IFCNT0 지수선물, H0CFCNT0 상품선물, H0ZFCNT0 주식선물 and H0MFCNT0 KRX야간선물 실시간체결가: one futures trade with the
/// session's running totals. H0ZFCNT0 orders its first fields differently (price before change) and, like H0MFCNT0,
/// lacks dscs_bltr_acml_qty; the view reads each TR's own order.
/// </summary>
public readonly record struct FuturesTrade : IKisRecord<FuturesTrade>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0IFCNT0, KisTrs.H0CFCNT0, KisTrs.H0ZFCNT0, KisTrs.H0MFCNT0];

    /// <summary>Which market (from the TR id).</summary>
    public DerivativesMarket Market { get; init; }
    /// <summary>futs_shrn_iscd 선물 단축 종목코드: the contract code, e.g. 101W09.</summary>
    public string Code { get; init; }
    /// <summary>bsop_hour 영업 시간: trade time (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>futs_prpr 선물 현재가 (stck_prpr in H0ZFCNT0): the trade price.</summary>
    public decimal Price { get; init; }
    /// <summary>prdy_vrss_sign 전일 대비 부호.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>futs_prdy_vrss 선물 전일 대비 (prdy_vrss in H0ZFCNT0): change vs the previous close.</summary>
    public decimal Change { get; init; }
    /// <summary>futs_prdy_ctrt 선물 전일 대비율: change, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>futs_oprc 선물 시가2: open.</summary>
    public decimal Open { get; init; }
    /// <summary>futs_hgpr 선물 최고가: high.</summary>
    public decimal High { get; init; }
    /// <summary>futs_lwpr 선물 최저가: low.</summary>
    public decimal Low { get; init; }
    /// <summary>last_cnqn 최종 거래량: contracts in this trade.</summary>
    public long Volume { get; init; }
    /// <summary>acml_vol 누적 거래량: contracts traded in the session so far.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>acml_tr_pbmn 누적 거래 대금: traded value so far (KIS's unit).</summary>
    public long CumulativeTradeValue { get; init; }
    /// <summary>hts_thpr HTS 이론가: theoretical price.</summary>
    public decimal TheoreticalPrice { get; init; }
    /// <summary>mrkt_basis 시장 베이시스: market basis.</summary>
    public decimal MarketBasis { get; init; }
    /// <summary>dprt 괴리율: deviation from the theoretical price, %.</summary>
    public decimal DeviationRate { get; init; }
    /// <summary>nmsc_fctn_stpl_prc 근월물 약정가: near-month contract price.</summary>
    public decimal NearMonthPrice { get; init; }
    /// <summary>fmsc_fctn_stpl_prc 원월물 약정가: far-month contract price.</summary>
    public decimal FarMonthPrice { get; init; }
    /// <summary>spead_prc 스프레드1: spread.</summary>
    public decimal Spread { get; init; }
    /// <summary>hts_otst_stpl_qty HTS 미결제 약정 수량: open interest.</summary>
    public long OpenInterest { get; init; }
    /// <summary>otst_stpl_qty_icdc 미결제 약정 수량 증감: change in open interest.</summary>
    public long OpenInterestChange { get; init; }
    /// <summary>shnu_rate 매수2 비율: buyer-initiated share, %.</summary>
    public decimal BuyRatio { get; init; }
    /// <summary>cttr 체결강도: trade strength.</summary>
    public decimal TradeStrength { get; init; }
    /// <summary>esdg 괴리도: deviation from the theoretical price.</summary>
    public decimal Deviation { get; init; }
    /// <summary>thpr_basis 이론 베이시스: theoretical basis.</summary>
    public decimal TheoreticalBasis { get; init; }
    /// <summary>futs_askp1 선물 매도호가1 (askp1 in H0ZFCNT0): best ask.</summary>
    public decimal BestAsk { get; init; }
    /// <summary>futs_bidp1 선물 매수호가1 (bidp1 in H0ZFCNT0): best bid.</summary>
    public decimal BestBid { get; init; }
    /// <summary>askp_rsqn1 매도호가 잔량1.</summary>
    public long BestAskQuantity { get; init; }
    /// <summary>bidp_rsqn1 매수호가 잔량1.</summary>
    public long BestBidQuantity { get; init; }
    /// <summary>seln_cntg_smtn 총 매도 수량: seller-initiated volume.</summary>
    public long SellVolume { get; init; }
    /// <summary>shnu_cntg_smtn 총 매수 수량: buyer-initiated volume.</summary>
    public long BuyVolume { get; init; }
    /// <summary>total_askp_rsqn 총 매도호가 잔량.</summary>
    public long TotalAskQuantity { get; init; }
    /// <summary>total_bidp_rsqn 총 매수호가 잔량.</summary>
    public long TotalBidQuantity { get; init; }
    /// <summary>dscs_bltr_acml_qty 협의 대량 거래량: negotiated block volume (H0IFCNT0, H0CFCNT0 only; else null).</summary>
    public long? BlockTradeVolume { get; init; }
    /// <summary>dynm_mxpr 실시간상한가: the real-time (dynamic) upper price limit.</summary>
    public decimal DynamicUpperLimit { get; init; }
    /// <summary>dynm_llam 실시간하한가: the real-time (dynamic) lower price limit.</summary>
    public decimal DynamicLowerLimit { get; init; }
    /// <summary>dynm_prc_limt_yn 실시간가격제한구분: whether dynamic price limits apply, as sent.</summary>
    public string DynamicLimitCode { get; init; }

    string IKisRecord<FuturesTrade>.Key => Code;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out FuturesTrade value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        var market = DerivativesCodes.Market(tr);
        var code = r.Text();
        var time = r.Time();
        decimal price, change, rate;
        PriceChangeSign sign;
        if (market == DerivativesMarket.StockFutures)
        {
            price = r.Decimal();
            sign = CodeMapping.Sign(r.Digit());
            change = r.Decimal();
            rate = r.Decimal();
        }
        else
        {
            change = r.Decimal();
            sign = CodeMapping.Sign(r.Digit());
            rate = r.Decimal();
            price = r.Decimal();
        }
        value = new FuturesTrade
        {
            Market = market,
            Code = code,
            Time = time,
            Price = price,
            ChangeSign = sign,
            Change = change,
            ChangeRate = rate,
            Open = r.Decimal(),
            High = r.Decimal(),
            Low = r.Decimal(),
            Volume = r.Int64(),
            CumulativeVolume = r.Int64(),
            CumulativeTradeValue = r.Int64(),
            TheoreticalPrice = r.Decimal(),
            MarketBasis = r.Decimal(),
            DeviationRate = r.Decimal(),
            NearMonthPrice = r.Decimal(),
            FarMonthPrice = r.Decimal(),
            Spread = r.Decimal(),
            OpenInterest = r.Int64(),
            OpenInterestChange = r.Int64(),
        };
        for (var i = 0; i < 9; i++) r.Skip(); // open/high/low times, signs and differences
        value = value with
        {
            BuyRatio = r.Decimal(),
            TradeStrength = r.Decimal(),
            Deviation = r.Decimal(),
        };
        r.Skip(); // otst_stpl_rgbf_qty_icdc
        value = value with
        {
            TheoreticalBasis = r.Decimal(),
            BestAsk = r.Decimal(),
            BestBid = r.Decimal(),
            BestAskQuantity = r.Int64(),
            BestBidQuantity = r.Int64(),
        };
        for (var i = 0; i < 3; i++) r.Skip(); // trade counts
        value = value with
        {
            SellVolume = r.Int64(),
            BuyVolume = r.Int64(),
            TotalAskQuantity = r.Int64(),
            TotalBidQuantity = r.Int64(),
        };
        r.Skip(); // prdy_vol_vrss_acml_vol_rate
        value = value with
        {
            BlockTradeVolume = tr.Fields.Count >= 50 ? r.Int64() : null,
            DynamicUpperLimit = r.Decimal(),
            DynamicLowerLimit = r.Decimal(),
            DynamicLimitCode = r.Text(),
        };
        error = r.Error;
        return !error.IsError;
    }
}
