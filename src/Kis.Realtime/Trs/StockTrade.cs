using System.Runtime.CompilerServices;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// H0STCNT0 국내주식 실시간체결가(KRX), H0NXCNT0 (NXT), H0UNCNT0 (KRX+NXT 통합) and H0STOUP0 (KRX after-hours, 시간외): one
/// trade of a domestic stock, with the
/// day's running totals and the touch. Prices in KRW, volumes in shares, amounts in KRW. Each property names KIS's
/// field and its Korean label.
/// </summary>
public readonly record struct StockTrade : IKisRecord<StockTrade>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0STCNT0, KisTrs.H0NXCNT0, KisTrs.H0UNCNT0, KisTrs.H0STOUP0];

    /// <summary>
    /// True for H0STOUP0 국내주식 시간외 실시간체결가 (KRX after-hours trades: the first 43 fields; <see cref="SessionCode"/>,
    /// <see cref="RandomEndCode"/> are empty and <see cref="StaticViReferencePrice"/> 0).
    /// </summary>
    public bool IsAfterHours { get; init; }

    /// <summary>Which market's feed this came from (from the frame's TR id).</summary>
    public StockVenue Venue { get; init; }
    /// <summary>mksc_shrn_iscd 유가증권 단축 종목코드: the stock code, e.g. 005930.</summary>
    public string StockCode { get; init; }
    /// <summary>stck_cntg_hour 주식 체결 시간: trade time (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>stck_prpr 주식 현재가: the trade price.</summary>
    public decimal Price { get; init; }
    /// <summary>prdy_vrss_sign 전일 대비 부호: direction vs the previous close.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>prdy_vrss 전일 대비: change vs the previous close.</summary>
    public decimal Change { get; init; }
    /// <summary>prdy_ctrt 전일 대비율: change vs the previous close, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>wghn_avrg_stck_prc 가중 평균 주식 가격: volume-weighted average price of the day.</summary>
    public decimal WeightedAveragePrice { get; init; }
    /// <summary>stck_oprc 주식 시가: open.</summary>
    public decimal Open { get; init; }
    /// <summary>stck_hgpr 주식 최고가: high.</summary>
    public decimal High { get; init; }
    /// <summary>stck_lwpr 주식 최저가: low.</summary>
    public decimal Low { get; init; }
    /// <summary>askp1 매도호가1: best ask after the trade.</summary>
    public decimal BestAsk { get; init; }
    /// <summary>bidp1 매수호가1: best bid after the trade.</summary>
    public decimal BestBid { get; init; }
    /// <summary>cntg_vol 체결 거래량: volume of this trade.</summary>
    public long Volume { get; init; }
    /// <summary>acml_vol 누적 거래량: the day's volume so far.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>acml_tr_pbmn 누적 거래 대금: the day's traded value so far, KRW.</summary>
    public long CumulativeTradeValue { get; init; }
    /// <summary>seln_cntg_csnu 매도 체결 건수: number of seller-initiated trades.</summary>
    public long SellTradeCount { get; init; }
    /// <summary>shnu_cntg_csnu 매수 체결 건수: number of buyer-initiated trades.</summary>
    public long BuyTradeCount { get; init; }
    /// <summary>ntby_cntg_csnu 순매수 체결 건수: buy minus sell trade count.</summary>
    public long NetBuyTradeCount { get; init; }
    /// <summary>cttr 체결강도: trade strength (buy volume ÷ sell volume × 100).</summary>
    public decimal TradeStrength { get; init; }
    /// <summary>seln_cntg_smtn 총 매도 수량: seller-initiated volume.</summary>
    public long SellVolume { get; init; }
    /// <summary>shnu_cntg_smtn 총 매수 수량: buyer-initiated volume.</summary>
    public long BuyVolume { get; init; }
    /// <summary>ccld_dvsn (H0STCNT0) / cntg_cls_code (H0NXCNT0, H0UNCNT0) 체결구분: which side initiated the trade.</summary>
    public TradeSide Side { get; init; }
    /// <summary>shnu_rate 매수비율: buyer-initiated share of volume, %.</summary>
    public decimal BuyRatio { get; init; }
    /// <summary>prdy_vol_vrss_acml_vol_rate 전일 거래량 대비 등락율: volume vs the previous day's, %.</summary>
    public decimal VolumeVsPreviousDay { get; init; }
    /// <summary>oprc_hour 시가 시간: time of the open.</summary>
    public TimeOnly OpenTime { get; init; }
    /// <summary>oprc_vrss_prpr_sign 시가대비구분: direction of the price vs the open.</summary>
    public PriceChangeSign VsOpenSign { get; init; }
    /// <summary>oprc_vrss_prpr 시가대비: price minus the open.</summary>
    public decimal VsOpen { get; init; }
    /// <summary>hgpr_hour 최고가 시간: time of the high.</summary>
    public TimeOnly HighTime { get; init; }
    /// <summary>hgpr_vrss_prpr_sign 고가대비구분: direction of the price vs the high.</summary>
    public PriceChangeSign VsHighSign { get; init; }
    /// <summary>hgpr_vrss_prpr 고가대비: price minus the high.</summary>
    public decimal VsHigh { get; init; }
    /// <summary>lwpr_hour 최저가 시간: time of the low.</summary>
    public TimeOnly LowTime { get; init; }
    /// <summary>lwpr_vrss_prpr_sign 저가대비구분: direction of the price vs the low.</summary>
    public PriceChangeSign VsLowSign { get; init; }
    /// <summary>lwpr_vrss_prpr 저가대비: price minus the low.</summary>
    public decimal VsLow { get; init; }
    /// <summary>bsop_date 영업 일자: the business date (null when empty or 00000000).</summary>
    public DateOnly? BusinessDate { get; init; }
    /// <summary>new_mkop_cls_code 신 장운영 구분 코드: market operation code, as sent.</summary>
    public string MarketOperationCode { get; init; }
    /// <summary>trht_yn 거래정지 여부: true when trading in the stock is halted.</summary>
    public bool IsHalted { get; init; }
    /// <summary>askp_rsqn1 매도호가 잔량1: quantity at the best ask.</summary>
    public long BestAskQuantity { get; init; }
    /// <summary>bidp_rsqn1 매수호가 잔량1: quantity at the best bid.</summary>
    public long BestBidQuantity { get; init; }
    /// <summary>total_askp_rsqn 총 매도호가 잔량: total ask quantity.</summary>
    public long TotalAskQuantity { get; init; }
    /// <summary>total_bidp_rsqn 총 매수호가 잔량: total bid quantity.</summary>
    public long TotalBidQuantity { get; init; }
    /// <summary>vol_tnrt 거래량 회전율: volume turnover, %.</summary>
    public decimal VolumeTurnover { get; init; }
    /// <summary>prdy_smns_hour_acml_vol 전일 동시간 누적 거래량: the previous day's volume at this time.</summary>
    public long PreviousDayVolumeSameTime { get; init; }
    /// <summary>prdy_smns_hour_acml_vol_rate 전일 동시간 누적 거래량 비율: volume vs the previous day's at this time, %.</summary>
    public decimal VolumeVsPreviousDaySameTime { get; init; }
    /// <summary>hour_cls_code 시간 구분 코드: session code (0 regular session; others after-hours, auctions), as sent.</summary>
    public string SessionCode { get; init; }
    /// <summary>mrkt_trtm_cls_code 임의종료구분코드: random-end (임의종료) code, as sent.</summary>
    public string RandomEndCode { get; init; }
    /// <summary>vi_stnd_prc 정적VI발동기준가: the static VI reference price.</summary>
    public decimal StaticViReferencePrice { get; init; }

    /// <summary>The previous close, derived: <see cref="Price"/> − <see cref="Change"/>.</summary>
    public decimal PreviousClose => Price - Change;

    string IKisRecord<StockTrade>.Key => StockCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out StockTrade value, out DecodeError error)
    {
        // Read in two halves (separate methods): one method with all 46 inlined readers exceeds the JIT's inlining
        // budget and leaves a third of them as calls, which measured about 25% slower.
        var r = new TypedFieldReader(record);
        var afterHours = tr.Fields.Count < 46;
        Fields f = default;
        ReadFirstHalf(ref r, ref f);
        ReadSecondHalf(ref r, ref f, afterHours);
        value = new StockTrade
        {
            Venue = Codes.Venue(tr),
            StockCode = f.StockCode,
            Time = f.Time,
            Price = f.Price,
            ChangeSign = f.ChangeSign,
            Change = f.Change,
            ChangeRate = f.ChangeRate,
            WeightedAveragePrice = f.WeightedAveragePrice,
            Open = f.Open,
            High = f.High,
            Low = f.Low,
            BestAsk = f.BestAsk,
            BestBid = f.BestBid,
            Volume = f.Volume,
            CumulativeVolume = f.CumulativeVolume,
            CumulativeTradeValue = f.CumulativeTradeValue,
            SellTradeCount = f.SellTradeCount,
            BuyTradeCount = f.BuyTradeCount,
            NetBuyTradeCount = f.NetBuyTradeCount,
            TradeStrength = f.TradeStrength,
            SellVolume = f.SellVolume,
            BuyVolume = f.BuyVolume,
            Side = f.Side,
            BuyRatio = f.BuyRatio,
            VolumeVsPreviousDay = f.VolumeVsPreviousDay,
            OpenTime = f.OpenTime,
            VsOpenSign = f.VsOpenSign,
            VsOpen = f.VsOpen,
            HighTime = f.HighTime,
            VsHighSign = f.VsHighSign,
            VsHigh = f.VsHigh,
            LowTime = f.LowTime,
            VsLowSign = f.VsLowSign,
            VsLow = f.VsLow,
            BusinessDate = f.BusinessDate,
            MarketOperationCode = f.MarketOperationCode,
            IsHalted = f.IsHalted,
            BestAskQuantity = f.BestAskQuantity,
            BestBidQuantity = f.BestBidQuantity,
            TotalAskQuantity = f.TotalAskQuantity,
            TotalBidQuantity = f.TotalBidQuantity,
            VolumeTurnover = f.VolumeTurnover,
            PreviousDayVolumeSameTime = f.PreviousDayVolumeSameTime,
            VolumeVsPreviousDaySameTime = f.VolumeVsPreviousDaySameTime,
            SessionCode = f.SessionCode,
            RandomEndCode = f.RandomEndCode,
            StaticViReferencePrice = f.StaticViReferencePrice,
            IsAfterHours = afterHours,
        };
        error = r.Error;
        return !error.IsError;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ReadFirstHalf(ref TypedFieldReader r, ref Fields f)
    {
        f.StockCode = r.Text();
        f.Time = r.Time();
        f.Price = r.Decimal();
        f.ChangeSign = CodeMapping.Sign(r.Digit());
        f.Change = r.Decimal();
        f.ChangeRate = r.Decimal();
        f.WeightedAveragePrice = r.Decimal();
        f.Open = r.Decimal();
        f.High = r.Decimal();
        f.Low = r.Decimal();
        f.BestAsk = r.Decimal();
        f.BestBid = r.Decimal();
        f.Volume = r.Int64();
        f.CumulativeVolume = r.Int64();
        f.CumulativeTradeValue = r.Int64();
        f.SellTradeCount = r.Int64();
        f.BuyTradeCount = r.Int64();
        f.NetBuyTradeCount = r.Int64();
        f.TradeStrength = r.Decimal();
        f.SellVolume = r.Int64();
        f.BuyVolume = r.Int64();
        f.Side = Codes.Side(r.Digit());
        f.BuyRatio = r.Decimal();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ReadSecondHalf(ref TypedFieldReader r, ref Fields f, bool afterHours)
    {
        f.VolumeVsPreviousDay = r.Decimal();
        f.OpenTime = r.Time();
        f.VsOpenSign = CodeMapping.Sign(r.Digit());
        f.VsOpen = r.Decimal();
        f.HighTime = r.Time();
        f.VsHighSign = CodeMapping.Sign(r.Digit());
        f.VsHigh = r.Decimal();
        f.LowTime = r.Time();
        f.VsLowSign = CodeMapping.Sign(r.Digit());
        f.VsLow = r.Decimal();
        f.BusinessDate = r.Date();
        f.MarketOperationCode = r.Text();
        f.IsHalted = Codes.Yes(r.Char());
        f.BestAskQuantity = r.Int64();
        f.BestBidQuantity = r.Int64();
        f.TotalAskQuantity = r.Int64();
        f.TotalBidQuantity = r.Int64();
        f.VolumeTurnover = r.Decimal();
        f.PreviousDayVolumeSameTime = r.Int64();
        f.VolumeVsPreviousDaySameTime = r.Decimal();
        // H0STOUP0 (after-hours) ends here.
        f.SessionCode = afterHours ? "" : r.Text();
        f.RandomEndCode = afterHours ? "" : r.Text();
        f.StaticViReferencePrice = afterHours ? 0 : r.Decimal();
    }

    // The decoded values between the two halves: a plain mutable struct on the stack.
    private struct Fields
    {
        public string StockCode, MarketOperationCode, SessionCode, RandomEndCode;
        public TimeOnly Time, OpenTime, HighTime, LowTime;
        public decimal Price, Change, ChangeRate, WeightedAveragePrice, Open, High, Low, BestAsk, BestBid, TradeStrength, BuyRatio,
            VolumeVsPreviousDay, VsOpen, VsHigh, VsLow, VolumeTurnover, VolumeVsPreviousDaySameTime, StaticViReferencePrice;
        public PriceChangeSign ChangeSign, VsOpenSign, VsHighSign, VsLowSign;
        public long Volume, CumulativeVolume, CumulativeTradeValue, SellTradeCount, BuyTradeCount, NetBuyTradeCount, SellVolume, BuyVolume,
            BestAskQuantity, BestBidQuantity, TotalAskQuantity, TotalBidQuantity, PreviousDayVolumeSameTime;
        public TradeSide Side;
        public DateOnly? BusinessDate;
        public bool IsHalted;
    }
}
