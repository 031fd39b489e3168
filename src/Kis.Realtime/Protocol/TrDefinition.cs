using System.Diagnostics.CodeAnalysis;
namespace Kis.Realtime.Protocol;

/// <summary>The shape of a TR's <c>tr_key</c>, used to reject malformed keys before they reach the server.</summary>
public enum TrKeyFormat
{
    /// <summary>4-digit index code (0001 KOSPI, 1001 KOSDAQ …).</summary>
    IndexCode,
    /// <summary>12-character standard code (ISIN), e.g. KR103502GD31.</summary>
    Isin,
    /// <summary>6-character short code of a stock, ETF or ELW, e.g. 005930, 069500, 57LA24.</summary>
    StockCode,
    /// <summary>The account holder's HTS ID (notice TRs).</summary>
    HtsId,
    /// <summary>Short code of a domestic future or option, 6–9 letters and digits, e.g. 101W09, 201W08427, 101W9000.</summary>
    DerivativeCode,
    /// <summary>A bond index id, e.g. KBPR01 (letters and digits).</summary>
    BondIndexCode,
    /// <summary>
    /// Overseas stock: D (delayed/free) or R (real-time, paid), the 3-letter exchange and the symbol, e.g. DNASAAPL,
    /// RBAQAAPL (US day session), DHKS00003.
    /// </summary>
    OverseasSymbol,
    /// <summary>An overseas future or option series code, e.g. 1OZQ25, FCAZ22 or "OESH23 C3900" (may contain a space).</summary>
    OverseasDerivativeCode,
}

/// <summary>
/// A real-time TR: its id, field table and rules. The TR set is a table (<see cref="KisTrs"/>, generated from
/// KIS's catalog by <c>tools/trs/generate_trs.py</c>); adding a TR is one more entry with its field list, plus a typed
/// view if users want one.
/// </summary>
public sealed class TrDefinition
{
    /// <summary>Creates a TR definition.</summary>
    /// <param name="id">The 8-character TR id.</param>
    /// <param name="description">What the TR carries, in English.</param>
    /// <param name="keyFormat">The shape of its <c>tr_key</c>.</param>
    /// <param name="environments">Servers offering it under this id (one or both).</param>
    /// <param name="fields">The known fields in wire order.</param>
    /// <param name="encrypted">True when KIS always sends it encrypted (notices).</param>
    /// <param name="koreanName">KIS's Korean name, e.g. 국내주식 실시간체결가(KRX).</param>
    /// <param name="keyExample">An example key, e.g. 005930.</param>
    /// <param name="paperId">The id of the same TR on the paper server (this id when it is the same), or null when
    /// the paper server does not offer it.</param>
    /// <param name="apiId">KIS's API number, e.g. 실시간-003, where it has one.</param>
    /// <param name="keyField">Index of the field that carries the key in every record, or -1 when records carry none.</param>
    /// <param name="market">The catalog's name of the market whose calendar the TR follows (e.g. <c>krx-stocks</c>,
    /// <c>overseas-stocks</c>: <see cref="MarketCalendar.For(string, string?)"/>), or null.</param>
    internal TrDefinition(string id, string description, TrKeyFormat keyFormat, IReadOnlyList<KisEnvironment> environments,
        IReadOnlyList<FieldDefinition> fields, bool encrypted = false, string? koreanName = null, string? keyExample = null,
        string? paperId = null, string? apiId = null, int keyField = 0, string? market = null)
    {
        Market = market;
        Id = id;
        TrId = TrId.Parse(id);
        Description = description;
        KeyFormat = keyFormat;
        ArgumentNullException.ThrowIfNull(environments);
        if (environments.Count == 0) throw new ArgumentException($"{id}: name at least one server that offers it.", nameof(environments));
        Environments = [.. environments.Distinct().Order()];
        Fields = fields;
        Encrypted = encrypted;
        KoreanName = koreanName ?? description;
        KeyExample = keyExample ?? "";
        PaperId = paperId;
        ApiId = apiId;
        KeyField = keyField;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Count; i++) index.Add(fields[i].Name, i);
        _fieldIndex = index;
    }

    private readonly Dictionary<string, int> _fieldIndex;

    /// <summary>The catalog's name of the market whose calendar the TR follows (kis-catalog.json's <c>market</c>).</summary>
    internal string? Market { get; }

    /// <summary>The TR id text, e.g. <c>H0UPCNT0</c>.</summary>
    public string Id { get; }

    /// <summary>The TR id as packed bytes.</summary>
    [Experimental("KISRT0001")]
    public TrId TrId { get; }

    /// <summary>What the TR carries (English).</summary>
    public string Description { get; }

    /// <summary>KIS's Korean name of the TR.</summary>
    public string KoreanName { get; }

    /// <summary>KIS's API number (e.g. 실시간-003), or null for TRs KIS lists without one.</summary>
    public string? ApiId { get; }

    /// <summary>The shape of its <c>tr_key</c>.</summary>
    public TrKeyFormat KeyFormat { get; }

    /// <summary>An example of a valid key.</summary>
    public string KeyExample { get; }

    /// <summary>Servers offering it under this id (Real first).</summary>
    public IReadOnlyList<KisEnvironment> Environments { get; }

    /// <summary>True when <paramref name="environment"/>'s server offers the TR under this id.</summary>
    public bool IsOfferedOn(KisEnvironment environment) => Environments.Contains(environment);

    /// <summary>The id the paper server uses for this TR (this id when the same), or null when paper does not offer it.</summary>
    public string? PaperId { get; }

    /// <summary>The known fields, in wire order. Records may carry more (KIS appends fields over time).</summary>
    public IReadOnlyList<FieldDefinition> Fields { get; }

    /// <summary>True when KIS always sends it encrypted (notices).</summary>
    public bool Encrypted { get; }

    /// <summary>
    /// Index of the field whose value is the subscription key in every record (0 for every TR but H0UNMKO0, whose
    /// records carry no stock code), or -1.
    /// </summary>
    public int KeyField { get; }

    /// <summary>Index of a field by KIS name, or -1.</summary>
    public int IndexOf(string fieldName) => _fieldIndex.TryGetValue(fieldName, out var i) ? i : -1;

    /// <summary>True when <paramref name="trKey"/> has this TR's key shape.</summary>
    public bool IsValidKey(string? trKey) => TrKeys.IsValid(KeyFormat, trKey);

    /// <summary>The key format in English with this TR's example, e.g. "6-character short code, e.g. 005930".</summary>
    public string DescribeKey() => $"{TrKeys.Describe(KeyFormat)}, e.g. {KeyExample}";

    /// <inheritdoc/>
    public override string ToString() => Id;
}
