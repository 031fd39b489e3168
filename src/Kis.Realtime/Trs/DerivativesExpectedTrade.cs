using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// H0ZFANC0 주식선물, H0ZOANC0 주식옵션 and H0EUANC0 KRX야간옵션 실시간예상체결: the expected (auction) price of a future or
/// option. H0ZOANC0 carries no expected quantity (null).
/// </summary>
public readonly record struct DerivativesExpectedTrade : IKisRecord<DerivativesExpectedTrade>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0ZFANC0, KisTrs.H0ZOANC0, KisTrs.H0EUANC0];

    /// <summary>Which market (from the TR id).</summary>
    public DerivativesMarket Market { get; init; }
    /// <summary>futs_shrn_iscd / optn_shrn_iscd 단축 종목코드: the contract code.</summary>
    public string Code { get; init; }
    /// <summary>bsop_hour 영업 시간 (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>antc_cnpr 예상 체결가: the expected price.</summary>
    public decimal ExpectedPrice { get; init; }
    /// <summary>antc_cntg_vrss 예상 체결 대비: expected price minus the previous close.</summary>
    public decimal ExpectedChange { get; init; }
    /// <summary>antc_cntg_vrss_sign 예상 체결 대비 부호.</summary>
    public PriceChangeSign ExpectedChangeSign { get; init; }
    /// <summary>antc_cntg_prdy_ctrt 예상 체결 전일 대비율, %.</summary>
    public decimal ExpectedChangeRate { get; init; }
    /// <summary>antc_mkop_cls_code 예상 장운영 구분 코드: expected market operation code, as sent.</summary>
    public string ExpectedMarketOperationCode { get; init; }
    /// <summary>antc_cnqn 예상 체결량: expected quantity (H0ZFANC0, H0EUANC0; null for H0ZOANC0).</summary>
    public long? ExpectedQuantity { get; init; }

    string IKisRecord<DerivativesExpectedTrade>.Key => Code;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out DerivativesExpectedTrade value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        var hasQuantity = tr.Fields.Count >= 8;
        value = new DerivativesExpectedTrade
        {
            Market = DerivativesCodes.Market(tr),
            Code = r.Text(),
            Time = r.Time(),
            ExpectedPrice = r.Decimal(),
            ExpectedChange = r.Decimal(),
            ExpectedChangeSign = CodeMapping.Sign(r.Digit()),
            ExpectedChangeRate = r.Decimal(),
            ExpectedMarketOperationCode = r.Text(),
            ExpectedQuantity = hasQuantity ? r.Int64() : null,
        };
        error = r.Error;
        return !error.IsError;
    }
}
