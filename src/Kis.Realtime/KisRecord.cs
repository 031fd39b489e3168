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

/// <summary>One message exactly as received from a session (data frame or JSON control message, PINGPONG included).</summary>
/// <param name="ReceivedAt">When it arrived (UTC, from the client's <see cref="TimeProvider"/>).</param>
/// <param name="SessionIndex">Which session (index into <see cref="KisRealtimeOptions.Credentials"/>).</param>
/// <param name="Data">The message bytes, copied.</param>
public readonly record struct RawMessage(DateTimeOffset ReceivedAt, int SessionIndex, ReadOnlyMemory<byte> Data);

/// <summary>A record dropped because its subscription's buffer was full (see <see cref="KisRealtimeOptions.FullMode"/>).</summary>
/// <param name="Tr">The TR of the subscription.</param>
/// <param name="TrKey">The key of the subscription.</param>
/// <param name="DroppedBySubscription">Records this subscription has dropped so far.</param>
public readonly record struct KisDroppedItem(TrDefinition Tr, string TrKey, long DroppedBySubscription);

/// <summary>Counters of a client since it was created (all sessions together).</summary>
public sealed record KisRealtimeStatistics
{
    /// <summary>WebSocket messages received (data frames and control messages).</summary>
    public long MessagesReceived { get; init; }
    /// <summary>Data frames received.</summary>
    public long FramesReceived { get; init; }
    /// <summary>JSON control messages received (replies, PINGPONG).</summary>
    public long ControlMessagesReceived { get; init; }
    /// <summary>PINGPONG heartbeats answered.</summary>
    public long HeartbeatsAnswered { get; init; }
    /// <summary>Records in the data frames.</summary>
    public long RecordsReceived { get; init; }
    /// <summary>Records handed to subscriptions.</summary>
    public long RecordsDelivered { get; init; }
    /// <summary>Records no subscription was waiting for.</summary>
    public long RecordsUnrouted { get; init; }
    /// <summary>Message bytes received.</summary>
    public long BytesReceived { get; init; }
    /// <summary>Frames or records that failed to decode (each is skipped; the session goes on).</summary>
    public long DecodeErrors { get; init; }
    /// <summary>Records dropped by full subscription buffers.</summary>
    public long Dropped { get; init; }
    /// <summary>Connections re-established after a loss.</summary>
    public long Reconnects { get; init; }
    /// <summary>Registrations currently held on the server(s) or being made.</summary>
    public int Registrations { get; init; }

    /// <summary>Connection attempts made (first connects and reconnects), within the per-app-key budget.</summary>
    public long ConnectAttempts { get; init; }

    /// <summary>Wait-mode consumers ended with <see cref="KisSlowConsumerException"/> for holding their session too long.</summary>
    public long SlowConsumers { get; init; }

    /// <summary>Re-subscriptions after a reconnect that KIS refused and that are being retried.</summary>
    public long ResubscribeRefusals { get; init; }

    /// <summary>
    /// Connections failed because the server broke RFC 6455 (a masked frame, an invalid close code, a malformed frame):
    /// each was closed with 1002 (1009 for a message too big) and re-established like any lost connection.
    /// </summary>
    public long ProtocolErrors { get; init; }

    /// <summary><see cref="RecordsUnrouted"/> per TR id.</summary>
    public IReadOnlyDictionary<string, long> UnroutedByTr { get; init; } = new Dictionary<string, long>();
}
