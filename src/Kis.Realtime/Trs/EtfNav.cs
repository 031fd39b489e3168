using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// H0STNAV0 국내ETF NAV추이: an ETF's net asset value through the day. The record has 8 fields (KIS's function list
/// prepends REST envelope names rt_cd/msg_cd/output1/msg1, which are not in the frame).
/// </summary>
public readonly record struct EtfNav : IKisRecord<EtfNav>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0STNAV0];

    /// <summary>mksc_shrn_iscd 유가증권단축종목코드: the ETF code, e.g. 069500.</summary>
    public string EtfCode { get; init; }
    /// <summary>nav NAV.</summary>
    public decimal Nav { get; init; }
    /// <summary>nav_prdy_vrss_sign NAV전일대비부호.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>nav_prdy_vrss NAV전일대비.</summary>
    public decimal Change { get; init; }
    /// <summary>nav_prdy_ctrt NAV전일대비율, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>oprc_nav NAV시가: NAV at the open.</summary>
    public decimal Open { get; init; }
    /// <summary>hprc_nav NAV고가.</summary>
    public decimal High { get; init; }
    /// <summary>lprc_nav NAV저가.</summary>
    public decimal Low { get; init; }

    string IKisRecord<EtfNav>.Key => EtfCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out EtfNav value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        value = new EtfNav
        {
            EtfCode = r.Text(),
            Nav = r.Decimal(),
            ChangeSign = CodeMapping.Sign(r.Digit()),
            Change = r.Decimal(),
            ChangeRate = r.Decimal(),
            Open = r.Decimal(),
            High = r.Decimal(),
            Low = r.Decimal(),
        };
        error = r.Error;
        return !error.IsError;
    }
}
