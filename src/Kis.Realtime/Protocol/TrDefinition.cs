namespace Kis.Realtime.Protocol;

/// <summary>Which KIS server offers a TR.</summary>
[Flags]
public enum KisEnvironments
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>실전: the real server.</summary>
    Real = 1,
    /// <summary>모의: the paper-trading server.</summary>
    Paper = 2,
}

/// <summary>The shape of a TR's <c>tr_key</c>, used to reject malformed keys before they reach the server.</summary>
public enum TrKeyFormat
{
    /// <summary>4-digit index code (0001 KOSPI, 1001 KOSDAQ …).</summary>
    IndexCode,
    /// <summary>12-character standard code (ISIN), e.g. KR103502GD31.</summary>
    Isin,
    /// <summary>6-character short stock code, e.g. 005930.</summary>
    StockCode,
    /// <summary>The account holder's HTS ID (notice TRs).</summary>
    HtsId,
}

/// <summary>
/// A real-time TR: its id, field table and rules. The TR set is a table (<see cref="Trs.KisTrs"/>); adding a TR is one
/// more entry with its field list, plus a typed view if users want one.
/// </summary>
public sealed class TrDefinition
{
    /// <summary>Creates a TR definition.</summary>
    public TrDefinition(string id, string description, TrKeyFormat keyFormat, KisEnvironments environments,
        IReadOnlyList<FieldDefinition> fields, bool encrypted = false)
    {
        Id = id;
        TrId = TrId.Parse(id);
        Description = description;
        KeyFormat = keyFormat;
        Environments = environments;
        Fields = fields;
        Encrypted = encrypted;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Count; i++) index.Add(fields[i].Name, i);
        _fieldIndex = index;
    }

    private readonly Dictionary<string, int> _fieldIndex;

    /// <summary>The TR id text, e.g. <c>H0UPCNT0</c>.</summary>
    public string Id { get; }

    /// <summary>The TR id as packed bytes.</summary>
    public TrId TrId { get; }

    /// <summary>What the TR carries.</summary>
    public string Description { get; }

    /// <summary>The shape of its <c>tr_key</c>.</summary>
    public TrKeyFormat KeyFormat { get; }

    /// <summary>Servers offering it.</summary>
    public KisEnvironments Environments { get; }

    /// <summary>The known fields, in wire order. Records may carry more (KIS appends fields over time).</summary>
    public IReadOnlyList<FieldDefinition> Fields { get; }

    /// <summary>True when KIS always sends it encrypted (notices).</summary>
    public bool Encrypted { get; }

    /// <summary>Index of a field by KIS name, or -1.</summary>
    public int IndexOf(string fieldName) => _fieldIndex.TryGetValue(fieldName, out var i) ? i : -1;

    /// <summary>True when <paramref name="trKey"/> has this TR's key shape.</summary>
    public bool IsValidKey(string? trKey) => trKey is not null && KeyFormat switch
    {
        TrKeyFormat.IndexCode => trKey.Length == 4 && trKey.All(char.IsAsciiDigit),
        TrKeyFormat.Isin => trKey.Length == 12 && trKey.All(char.IsAsciiLetterOrDigit) && char.IsAsciiLetterUpper(trKey[0]) && char.IsAsciiLetterUpper(trKey[1]),
        TrKeyFormat.StockCode => trKey.Length == 6 && trKey.All(char.IsAsciiLetterOrDigit),
        TrKeyFormat.HtsId => trKey.Length is > 0 and <= 16 && trKey.All(char.IsAsciiLetterOrDigit),
        _ => false,
    };

    /// <inheritdoc/>
    public override string ToString() => Id;
}
