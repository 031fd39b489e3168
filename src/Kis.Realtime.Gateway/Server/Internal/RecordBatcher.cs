using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>One AMQP message on its way to the broker: 1 … N records of one route with consecutive sequences.</summary>
internal sealed class OutgoingMessage(RecordRoute route, long firstSequence, long receivedAtMicros, int count, ReadOnlyMemory<byte> body,
    long[]? receivedOffsets = null)
{
    public RecordRoute Route { get; } = route;
    public long FirstSequence { get; } = firstSequence;
    public long ReceivedAtMicros { get; } = receivedAtMicros;
    public int Count { get; } = count;
    public ReadOnlyMemory<byte> Body { get; } = body;

    /// <summary>Per record, microseconds after <see cref="ReceivedAtMicros"/> it was received; null when all were
    /// received together (one KIS frame), the common case, which then costs the broker no extra header.</summary>
    public long[]? ReceivedOffsets { get; } = receivedOffsets;
}

/// <summary>
/// Packs records that are already waiting together into messages (see <see cref="GatewayWire"/>): per route, in order,
/// only consecutive sequences in one message (a gap — records dropped on a full buffer — starts a new one), at most
/// <see cref="KisGatewayOptions.MaxRecordsPerMessage"/> records and <see cref="MaxBodyBytes"/> bytes, and a record
/// containing the separator alone. Used by the publish loop only (not thread-safe).
/// </summary>
internal sealed class RecordBatcher(int maxRecordsPerMessage)
{
    /// <summary>A message body grows to this size at most (a single larger record still goes, alone).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private readonly Dictionary<RecordRoute, OpenMessage> _open = new(ReferenceEqualityComparer.Instance);
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
            if (record.IsAnnouncement || record.Body.Span.Contains(GatewayWire.RecordSeparator))
            {
                // Its route's earlier records go first: the order per route is the order of sequences.
                if (_open.Remove(record.Route, out var before)) Close(before, messages);
                messages.Enqueue(Single(record));
                continue;
            }
            if (_open.TryGetValue(record.Route, out var open) && !open.Takes(record, maxRecordsPerMessage))
            {
                Close(open, messages);
                open = null;
            }
            if (open is null)
            {
                open = _spare.Count > 0 ? _spare.Pop() : new OpenMessage();
                _open[record.Route] = open;
                _openInOrder.Add(open);
            }
            open.Add(record);
        }
        foreach (var open in _openInOrder)
            if (open.Records.Count > 0) Close(open, messages);
        _openInOrder.Clear();
        _open.Clear();
    }

    private void Close(OpenMessage open, Queue<OutgoingMessage> messages)
    {
        messages.Enqueue(open.Build());
        // Emptied in place: it stays in _openInOrder until the end of Pack, which skips empty ones.
        _open.Remove(open.Records[0].Route);
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

        public bool Takes(in OutgoingRecord record, int maxRecords) =>
            Records.Count < maxRecords
            && record.Sequence == Records[^1].Sequence + 1
            && Bytes + 1 + record.Body.Length <= MaxBodyBytes;

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
            for (var i = 0; i < Records.Count; i++)
            {
                var record = Records[i];
                if (at > 0) body[at++] = GatewayWire.RecordSeparator;
                record.Body.Span.CopyTo(body.AsSpan(at));
                at += record.Body.Length;
                // Records of one KIS frame share their receive time; records of later frames keep their own.
                if (record.ReceivedAtMicros != first.ReceivedAtMicros) (offsets ??= new long[Records.Count])[i] = record.ReceivedAtMicros - first.ReceivedAtMicros;
            }
            return new OutgoingMessage(first.Route, first.Sequence, first.ReceivedAtMicros, Records.Count, body, offsets);
        }
    }
}
