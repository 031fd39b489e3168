using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// H0UPCNT0 국내지수 실시간체결: one tick of a domestic index (KOSPI 0001, KOSDAQ 1001, KOSPI200 2001 …).
/// Property docs name KIS's field.
/// </summary>
public readonly record struct IndexTick : IKisRecord<IndexTick>
{
    /// <summary>The H0UPCNT0 field table.</summary>
    public static TrDefinition Definition => KisTrs.H0UPCNT0;

    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0UPCNT0, KisTrs.H0UPANC0];

    /// <summary>True for H0UPANC0 국내지수 실시간예상체결 (the same 30 fields, carrying the expected index of an auction).</summary>
    public bool IsExpected { get; init; }

    /// <summary>bstp_cls_code: the index code, e.g. 0001.</summary>
    public string IndexCode { get; init; }
    /// <summary>bsop_hour: time of the tick (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>prpr_nmix: current index value.</summary>
    public decimal Value { get; init; }
    /// <summary>prdy_vrss_sign: direction vs the previous close.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>bstp_nmix_prdy_vrss: change vs the previous close.</summary>
    public decimal Change { get; init; }
    /// <summary>acml_vol: accumulated volume.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>acml_tr_pbmn: accumulated trade value.</summary>
    public long CumulativeTradeValue { get; init; }
    /// <summary>pcas_vol: volume of this tick.</summary>
    public long TickVolume { get; init; }
    /// <summary>pcas_tr_pbmn: trade value of this tick.</summary>
    public long TickTradeValue { get; init; }
    /// <summary>prdy_ctrt: change vs the previous close, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>oprc_nmix: opening value.</summary>
    public decimal Open { get; init; }
    /// <summary>nmix_hgpr: day's high.</summary>
    public decimal High { get; init; }
    /// <summary>nmix_lwpr: day's low.</summary>
    public decimal Low { get; init; }
    /// <summary>oprc_vrss_nmix_prpr: open minus the previous close.</summary>
    public decimal OpenChange { get; init; }
    /// <summary>oprc_vrss_nmix_sign: direction of the open vs the previous close.</summary>
    public PriceChangeSign OpenChangeSign { get; init; }
    /// <summary>hgpr_vrss_nmix_prpr: high minus the previous close.</summary>
    public decimal HighChange { get; init; }
    /// <summary>hgpr_vrss_nmix_sign: direction of the high vs the previous close.</summary>
    public PriceChangeSign HighChangeSign { get; init; }
    /// <summary>lwpr_vrss_nmix_prpr: low minus the previous close.</summary>
    public decimal LowChange { get; init; }
    /// <summary>lwpr_vrss_nmix_sign: direction of the low vs the previous close.</summary>
    public PriceChangeSign LowChangeSign { get; init; }
    /// <summary>prdy_clpr_vrss_oprc_rate: open vs the previous close, %.</summary>
    public decimal OpenChangeRate { get; init; }
    /// <summary>prdy_clpr_vrss_hgpr_rate: high vs the previous close, %.</summary>
    public decimal HighChangeRate { get; init; }
    /// <summary>prdy_clpr_vrss_lwpr_rate: low vs the previous close, %.</summary>
    public decimal LowChangeRate { get; init; }
    /// <summary>uplm_issu_cnt: issues at the upper limit.</summary>
    public long UpperLimitIssues { get; init; }
    /// <summary>ascn_issu_cnt: advancing issues.</summary>
    public long AdvancingIssues { get; init; }
    /// <summary>stnr_issu_cnt: unchanged issues.</summary>
    public long UnchangedIssues { get; init; }
    /// <summary>down_issu_cnt: declining issues.</summary>
    public long DecliningIssues { get; init; }
    /// <summary>lslm_issu_cnt: issues at the lower limit.</summary>
    public long LowerLimitIssues { get; init; }
    /// <summary>qtqt_ascn_issu_cnt: advancing on quotes only (기세상승).</summary>
    public long QuotedAdvancingIssues { get; init; }
    /// <summary>qtqt_down_issu_cnt: declining on quotes only (기세하락).</summary>
    public long QuotedDecliningIssues { get; init; }
    /// <summary>tick_vrss: tick change.</summary>
    public long TickChange { get; init; }

    /// <summary>The previous close, derived: <see cref="Value"/> − <see cref="Change"/>.</summary>
    public decimal PreviousClose => Value - Change;

    string IKisRecord<IndexTick>.Key => IndexCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out IndexTick value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        value = new IndexTick
        {
            IsExpected = tr.TrId == KisTrs.H0UPANC0.TrId,
            IndexCode = r.Text(),
            Time = r.Time(),
            Value = r.Decimal(),
            ChangeSign = CodeMapping.Sign(r.Digit()),
            Change = r.Decimal(),
            CumulativeVolume = r.Int64(),
            CumulativeTradeValue = r.Int64(),
            TickVolume = r.Int64(),
            TickTradeValue = r.Int64(),
            ChangeRate = r.Decimal(),
            Open = r.Decimal(),
            High = r.Decimal(),
            Low = r.Decimal(),
            OpenChange = r.Decimal(),
            OpenChangeSign = CodeMapping.Sign(r.Digit()),
            HighChange = r.Decimal(),
            HighChangeSign = CodeMapping.Sign(r.Digit()),
            LowChange = r.Decimal(),
            LowChangeSign = CodeMapping.Sign(r.Digit()),
            OpenChangeRate = r.Decimal(),
            HighChangeRate = r.Decimal(),
            LowChangeRate = r.Decimal(),
            UpperLimitIssues = r.Int64(),
            AdvancingIssues = r.Int64(),
            UnchangedIssues = r.Int64(),
            DecliningIssues = r.Int64(),
            LowerLimitIssues = r.Int64(),
            QuotedAdvancingIssues = r.Int64(),
            QuotedDecliningIssues = r.Int64(),
            TickChange = r.Int64(),
        };
        error = r.Error;
        return !error.IsError;
    }
}
