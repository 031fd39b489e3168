using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// H0BJCNT0 일반채권 실시간체결가: one trade of an exchange-listed bond. Prices are per 10,000 KRW face value;
/// yields (<c>_ert</c>) are in %.
/// </summary>
public readonly record struct BondTrade : IKisRecord<BondTrade>
{
    /// <summary>The H0BJCNT0 field table.</summary>
    public static TrDefinition Definition => KisTrs.H0BJCNT0;

    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [Definition];

    /// <summary>stnd_iscd: the bond's standard code (ISIN).</summary>
    public string Isin { get; init; }
    /// <summary>bond_isnm: the bond's Korean name.</summary>
    public string Name { get; init; }
    /// <summary>stck_cntg_hour: trade time (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>prdy_vrss_sign: direction vs the previous close.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>prdy_vrss: price change vs the previous close.</summary>
    public decimal Change { get; init; }
    /// <summary>prdy_ctrt: change rate, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>stck_prpr: trade price per 10,000 KRW face.</summary>
    public decimal Price { get; init; }
    /// <summary>cntg_vol: volume of this trade.</summary>
    public long Volume { get; init; }
    /// <summary>stck_oprc: open.</summary>
    public decimal Open { get; init; }
    /// <summary>stck_hgpr: high.</summary>
    public decimal High { get; init; }
    /// <summary>stck_lwpr: low.</summary>
    public decimal Low { get; init; }
    /// <summary>stck_prdy_clpr: previous close.</summary>
    public decimal PreviousClose { get; init; }
    /// <summary>bond_cntg_ert: yield at this trade, %.</summary>
    public decimal Yield { get; init; }
    /// <summary>oprc_ert: yield at the open, %.</summary>
    public decimal OpenYield { get; init; }
    /// <summary>hgpr_ert: yield at the high, %.</summary>
    public decimal HighYield { get; init; }
    /// <summary>lwpr_ert: yield at the low, %.</summary>
    public decimal LowYield { get; init; }
    /// <summary>acml_vol: accumulated volume.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>prdy_vol: previous day's volume.</summary>
    public long PreviousDayVolume { get; init; }
    /// <summary>cntg_type_cls_code: trade type code (meanings undocumented by KIS).</summary>
    public string TradeTypeCode { get; init; }

    string IKisRecord<BondTrade>.Key => Isin;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out BondTrade value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        value = new BondTrade
        {
            Isin = r.Text(),
            Name = r.Text(),
            Time = r.Time(),
            ChangeSign = CodeMapping.Sign(r.Digit()),
            Change = r.Decimal(),
            ChangeRate = r.Decimal(),
            Price = r.Decimal(),
            Volume = r.Int64(),
            Open = r.Decimal(),
            High = r.Decimal(),
            Low = r.Decimal(),
            PreviousClose = r.Decimal(),
            Yield = r.Decimal(),
            OpenYield = r.Decimal(),
            HighYield = r.Decimal(),
            LowYield = r.Decimal(),
            CumulativeVolume = r.Int64(),
            PreviousDayVolume = r.Int64(),
            TradeTypeCode = r.Text(),
        };
        error = r.Error;
        return !error.IsError;
    }
}
