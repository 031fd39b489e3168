namespace Kis.Realtime;

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
    /// <summary>Messages dropped by full <see cref="KisRealtimeClient.ReadRawMessagesAsync"/> buffers (see
    /// <see cref="KisRealtimeOptions.RawMessageCapacity"/>).</summary>
    public long RawMessagesDropped { get; init; }
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

    /// <summary>
    /// Gaps found on trade subscriptions: trades missed between two received ones, from KIS's cumulative volume
    /// (acml_vol beside each trade's volume), within a connection and across reconnects (docs/bars.md, "Gap detection").
    /// </summary>
    public long Gaps { get; init; }

    /// <summary>Volume (shares, contracts) of the trades missed in <see cref="Gaps"/>.</summary>
    public long MissingVolume { get; init; }

    /// <summary>Records whose cumulative volume repeats volume already seen (a duplicate or stale record): nothing missed.</summary>
    public long Overlaps { get; init; }

    /// <summary>The largest gaps so far (at most five, largest missing volume first), with their TR, key and window.</summary>
    public IReadOnlyList<Kis.Realtime.VolumeGap> LargestGaps { get; init; } = [];

    /// <summary>
    /// A replay's first few <see cref="DecodeErrors"/> (at most five, earliest in the recording first), each with its file
    /// and line and why it did not decode, for a person to find and fix; empty for a live client.
    /// </summary>
    public IReadOnlyList<KisUndecodableRecord> FirstUndecodable { get; init; } = [];

    /// <summary><see cref="RecordsUnrouted"/> per TR id.</summary>
    public IReadOnlyDictionary<string, long> UnroutedByTr { get; init; } = new Dictionary<string, long>();

    /// <summary>The record's own text lists the collections' items: the compiler's would print their type names.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        builder.Append(culture,
            $"MessagesReceived = {MessagesReceived}, FramesReceived = {FramesReceived}, ControlMessagesReceived = {ControlMessagesReceived}, ")
            .Append(culture, $"HeartbeatsAnswered = {HeartbeatsAnswered}, RecordsReceived = {RecordsReceived}, RecordsDelivered = {RecordsDelivered}, ")
            .Append(culture, $"RecordsUnrouted = {RecordsUnrouted}, BytesReceived = {BytesReceived}, DecodeErrors = {DecodeErrors}, Dropped = {Dropped}, " +
                $"RawMessagesDropped = {RawMessagesDropped}, ")
            .Append(culture,
                $"Reconnects = {Reconnects}, Registrations = {Registrations}, ConnectAttempts = {ConnectAttempts}, SlowConsumers = {SlowConsumers}, ")
            .Append(culture,
                $"ResubscribeRefusals = {ResubscribeRefusals}, ProtocolErrors = {ProtocolErrors}, Gaps = {Gaps}, MissingVolume = {MissingVolume}, ")
            .Append(culture, $"Overlaps = {Overlaps}, LargestGaps = [{string.Join(", ", LargestGaps)}], ")
            .Append(culture, $"FirstUndecodable = [{string.Join(", ", FirstUndecodable)}], ")
            .Append("UnroutedByTr = { ").AppendJoin(", ", UnroutedByTr.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv
                => kv.Key + " = " + kv.Value.ToString(culture))).Append(" }");
        return true;
    }
}
