using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// H0STMKO0 국내주식 장운영정보 (KRX), H0NXMKO0 (NXT) and H0UNMKO0 (통합): a stock's trading status: halts, volatility
/// interruptions (VI) and the market operation phase. H0UNMKO0 records carry no stock code (<see cref="StockCode"/> is
/// empty) and so can only be matched to their subscription by TR.
/// </summary>
public readonly record struct MarketStatus : IKisRecord<MarketStatus>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0STMKO0, KisTrs.H0NXMKO0, KisTrs.H0UNMKO0];

    /// <summary>Which market's feed this came from (from the frame's TR id).</summary>
    public StockVenue Venue { get; init; }
    /// <summary>mksc_shrn_iscd 유가증권단축종목코드: the stock code (empty for H0UNMKO0, which does not carry it).</summary>
    public string StockCode { get; init; }
    /// <summary>trht_yn 거래정지여부: true when trading in the stock is halted.</summary>
    public bool IsHalted { get; init; }
    /// <summary>tr_susp_reas_cntt 거래정지사유내용: why it is halted (Korean text).</summary>
    public string HaltReason { get; init; }
    /// <summary>mkop_cls_code 장운영구분코드: market operation phase code, as sent.</summary>
    public string MarketOperationCode { get; init; }
    /// <summary>antc_mkop_cls_code 예상장운영구분코드: expected market operation code, as sent.</summary>
    public string ExpectedMarketOperationCode { get; init; }
    /// <summary>mrkt_trtm_cls_code 임의연장구분코드: random-extension code, as sent.</summary>
    public string RandomExtensionCode { get; init; }
    /// <summary>divi_app_cls_code 동시호가배분처리구분코드: auction allocation code, as sent.</summary>
    public string AuctionAllocationCode { get; init; }
    /// <summary>iscd_stat_cls_code 종목상태구분코드: issue status code, as sent.</summary>
    public string IssueStatusCode { get; init; }
    /// <summary>vi_cls_code VI적용구분코드: the regular session's VI.</summary>
    public ViStatus Vi { get; init; }
    /// <summary>ovtm_vi_cls_code 시간외단일가VI적용구분코드: the after-hours single-price session's VI.</summary>
    public ViStatus AfterHoursVi { get; init; }
    /// <summary>exch_cls_code 거래소구분코드: exchange code, as sent.</summary>
    public string ExchangeCode { get; init; }

    /// <summary>True when a VI is in force in either session.</summary>
    public bool IsViActive => Vi is ViStatus.Static or ViStatus.Dynamic or ViStatus.StaticAndDynamic
                              || AfterHoursVi is ViStatus.Static or ViStatus.Dynamic or ViStatus.StaticAndDynamic;

    string IKisRecord<MarketStatus>.Key => StockCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out MarketStatus value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        value = new MarketStatus
        {
            Venue = Codes.Venue(tr),
            StockCode = tr.KeyField == 0 ? r.Text() : "",
            IsHalted = Codes.Yes(r.Char()),
            HaltReason = r.Text(),
            MarketOperationCode = r.Text(),
            ExpectedMarketOperationCode = r.Text(),
            RandomExtensionCode = r.Text(),
            AuctionAllocationCode = r.Text(),
            IssueStatusCode = r.Text(),
            Vi = Codes.Vi(r.Char()),
            AfterHoursVi = Codes.Vi(r.Char()),
            ExchangeCode = r.Text(),
        };
        error = r.Error;
        return !error.IsError;
    }
}
