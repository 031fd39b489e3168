using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// A typed view of one TR record. Implemented by value types so decoding allocates nothing; the TR table lists which
/// TRs decode into the type.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
public interface IKisRecord<TSelf> where TSelf : struct, IKisRecord<TSelf>
{
    /// <summary>The TRs whose records decode into this type (e.g. H0NXPGM0 and H0UNPGM0 for program trades).</summary>
    static abstract IReadOnlyList<TrDefinition> Trs { get; }

    /// <summary>Decodes one record (its <c>^</c>-separated fields; fields beyond the known list are ignored).</summary>
    static abstract bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out TSelf value, out DecodeError error);

    /// <summary>The key this record belongs to (the subscription's <c>tr_key</c>): the first field for every seed TR.</summary>
    string Key { get; }
}

/// <summary>KIS's sign codes (<c>prdy_vrss_sign</c> and the other <c>_sign</c> fields).</summary>
public enum PriceChangeSign : byte
{
    /// <summary>Empty field.</summary>
    None = 0,
    /// <summary>1 상한: at the upper limit.</summary>
    UpperLimit = 1,
    /// <summary>2 상승: up.</summary>
    Rise = 2,
    /// <summary>3 보합: unchanged.</summary>
    Unchanged = 3,
    /// <summary>4 하한: at the lower limit.</summary>
    LowerLimit = 4,
    /// <summary>5 하락: down.</summary>
    Fall = 5,
    /// <summary>Any other value KIS may send.</summary>
    Unknown = 255,
}
