using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>One raw record of a subscription: its plain (decrypted) <c>^</c>-separated fields, copied out of the receive buffer.</summary>
public sealed class KisRecord
{
    /// <summary>Creates a record: for relays that carry records between processes (Kis.Realtime.Gateway) and for fakes in tests.</summary>
    /// <param name="tr">The TR.</param>
    /// <param name="trKey">The subscription key.</param>
    /// <param name="receivedAt">When the frame arrived from KIS.</param>
    /// <param name="data">The record's plain <c>^</c>-separated fields.</param>
    public KisRecord(TrDefinition tr, string trKey, DateTimeOffset receivedAt, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(tr);
        ArgumentNullException.ThrowIfNull(trKey);
        Tr = tr;
        TrKey = trKey;
        ReceivedAt = receivedAt;
        Data = data;
    }

    /// <summary>The TR.</summary>
    public TrDefinition Tr { get; }

    /// <summary>The subscription key (<c>tr_key</c>) the record belongs to.</summary>
    public string TrKey { get; }

    /// <summary>When the frame arrived (UTC, from the client's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The record's fields, <c>^</c>-separated, plain text bytes (UTF-8, or cp949 for some Korean text).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>How many times the KIS session that received the record had reconnected then (0: on its first connection).
    /// A relay that sees it rise between two records of one registration knows that what KIS sent while the session was
    /// away is missing there (a gateway announces that gap on the key's stream).</summary>
    [System.Diagnostics.CodeAnalysis.Experimental("KISRT0001")]
    public long SessionReconnects { get; init; }

    /// <summary>The fields as text, decoded as UTF-8 or, failing that, cp949.</summary>
    public string[] GetFields()
    {
        var fields = new List<string>(Tr.Fields.Count);
        var reader = new FieldReader(Data.Span);
        while (reader.TryRead(out var f)) fields.Add(KisText.Decode(f));
        return [.. fields];
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Tr.Id} {TrKey} {KisText.DecodeUncached(Data.Span)}";
}
