using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// One AMQP message on its way to the broker: 1 … N records. In the one-key format, of one route with consecutive
/// sequences (<see cref="Routes"/> null); in the keys format, of one TR, each record with its own route and sequence.
/// </summary>
internal sealed class OutgoingMessage(RecordRoute route, long firstSequence, long receivedAtMicros, int count, ReadOnlyMemory<byte> body,
    long[]? receivedOffsets = null, RecordRoute[]? routes = null, long[]? sequences = null)
{
    /// <summary>The first record's route (in the keys format, its TR, run and session stand for the message's).</summary>
    public RecordRoute Route { get; } = route;
    public long FirstSequence { get; } = firstSequence;
    public long ReceivedAtMicros { get; } = receivedAtMicros;
    public int Count { get; } = count;
    public ReadOnlyMemory<byte> Body { get; } = body;

    /// <summary>Per record, microseconds after <see cref="ReceivedAtMicros"/> it was received; null when all were
    /// received together (one KIS frame), the common case, which then costs the broker no extra header.</summary>
    public long[]? ReceivedOffsets { get; } = receivedOffsets;

    /// <summary>The keys format (<see cref="GatewayWire.KeysFormat"/>): record i's route; null in the one-key format.</summary>
    public RecordRoute[]? Routes { get; } = routes;

    /// <summary>The keys format: record i's sequence of its key; null in the one-key format.</summary>
    public long[]? Sequences { get; } = sequences;

    /// <summary>Record <paramref name="index"/>'s route, sequence and receive time, whatever the format.</summary>
    public (RecordRoute Route, long Sequence, long ReceivedAtMicros) Record(int index) => (
        Routes is { } routes ? routes[index] : Route,
        Sequences is { } sequences ? sequences[index] : FirstSequence + index,
        ReceivedAtMicros + (ReceivedOffsets is { } offsets ? offsets[index] : 0));
}

/// <summary>
/// Packs records that wait together into messages (see <see cref="GatewayWire"/>), in order: per TR when packing across
/// keys (the keys format, unless a message turns out to hold consecutive records of one key), else per route with only
/// consecutive sequences in one message (a gap — records dropped on a full buffer — starts a new one). At most
/// <see cref="KisGatewayOptions.MaxRecordsPerMessage"/> records and <see cref="MaxBodyBytes"/> bytes; a run announcement,
/// a record containing the separator and (across keys) a record whose key contains the list separator travel alone, in
/// the one-key format. Used by the publish loop only (not thread-safe).
/// </summary>
internal sealed class RecordBatcher(int maxRecordsPerMessage, bool packAcrossKeys = false)
{
    /// <summary>A message body grows to this size at most (a single larger record still goes, alone).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    // Keyed by the TR id (a string, equal by value) across keys, else by the route (equal by reference).
    private readonly Dictionary<object, OpenMessage> _open = new();
    private readonly List<OpenMessage> _openInOrder = [];
    private readonly Stack<OpenMessage> _spare = new();

    /// <summary>Appends <paramref name="records"/> as messages to <paramref name="messages"/>; each route's records stay in order.</summary>
    public void Pack(List<OutgoingRecord> records, Queue<OutgoingMessage> messages)
    {
        if (maxRecordsPerMessage == 1) // an announcement (seq 0) travels alone here anyway
        {
            foreach (var record in records) messages.Enqueue(Single(record));
            return;
        }
        foreach (var record in records)
        {
            var group = packAcrossKeys ? (object)record.Route.TrId : record.Route;
            if (TravelsAlone(record))
            {
                // Its group's earlier records go first: the order per route is the order of sequences.
                if (_open.TryGetValue(group, out var before)) Close(group, before, messages);
                messages.Enqueue(Single(record));
                continue;
            }
            if (_open.TryGetValue(group, out var open) && !open.Takes(record, maxRecordsPerMessage, packAcrossKeys))
            {
                Close(group, open, messages);
                open = null;
            }
            if (open is null)
            {
                open = _spare.Count > 0 ? _spare.Pop() : new OpenMessage();
                _open[group] = open;
                _openInOrder.Add(open);
            }
            open.Add(record);
        }
        foreach (var open in _openInOrder)
            if (open.Records.Count > 0) messages.Enqueue(open.Build());
        foreach (var open in _openInOrder) Recycle(open);
        _openInOrder.Clear();
        _open.Clear();
    }

    private bool TravelsAlone(in OutgoingRecord record) =>
        record.IsAnnouncement
        || record.Body.Span.Contains(GatewayWire.RecordSeparator)
        || (packAcrossKeys && record.Route.Key.Contains(GatewayWire.ListSeparator, StringComparison.Ordinal));

    private void Close(object group, OpenMessage open, Queue<OutgoingMessage> messages)
    {
        messages.Enqueue(open.Build());
        // Emptied in place: it stays in _openInOrder until the end of Pack, which skips empty ones.
        _open.Remove(group);
        open.Records.Clear();
        open.Bytes = 0;
    }

    private void Recycle(OpenMessage open)
    {
        open.Records.Clear();
        open.Bytes = 0;
        _spare.Push(open);
    }

    private static OutgoingMessage Single(in OutgoingRecord record) =>
        new(record.Route, record.Sequence, record.ReceivedAtMicros, 1, record.Body);

    private sealed class OpenMessage
    {
        public readonly List<OutgoingRecord> Records = [];
        public int Bytes;

        public bool Takes(in OutgoingRecord record, int maxRecords, bool acrossKeys) =>
            Records.Count < maxRecords
            && Bytes + 1 + record.Body.Length <= MaxBodyBytes
            && (acrossKeys
                ? record.Route.Run == Records[0].Route.Run
                : record.Sequence == Records[^1].Sequence + 1);

        public void Add(in OutgoingRecord record)
        {
            Bytes += (Records.Count > 0 ? 1 : 0) + record.Body.Length;
            Records.Add(record);
        }

        public OutgoingMessage Build()
        {
            var first = Records[0];
            if (Records.Count == 1) return Single(first);
            var body = new byte[Bytes];
            var at = 0;
            long[]? offsets = null;
            var oneKey = true;
            for (var i = 0; i < Records.Count; i++)
            {
                var record = Records[i];
                if (at > 0) body[at++] = GatewayWire.RecordSeparator;
                record.Body.Span.CopyTo(body.AsSpan(at));
                at += record.Body.Length;
                // Records of one KIS frame share their receive time; records of later frames keep their own.
                if (record.ReceivedAtMicros != first.ReceivedAtMicros)
                    (offsets ??= new long[Records.Count])[i] = record.ReceivedAtMicros - first.ReceivedAtMicros;
                oneKey &= ReferenceEquals(record.Route, first.Route) && record.Sequence == first.Sequence + i;
            }
            if (oneKey) return new OutgoingMessage(first.Route, first.Sequence, first.ReceivedAtMicros, Records.Count, body, offsets);
            var routes = new RecordRoute[Records.Count];
            var sequences = new long[Records.Count];
            for (var i = 0; i < Records.Count; i++) (routes[i], sequences[i]) = (Records[i].Route, Records[i].Sequence);
            return new OutgoingMessage(first.Route, first.Sequence, first.ReceivedAtMicros, Records.Count, body, offsets, routes, sequences);
        }
    }
}
