using System.Text;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.PostgreSql.Internal;

/// <summary>
/// One stream message as the writer keeps it (the broker's buffers are not valid after the delivery): its offset, the
/// gateway's headers it needs, and its body. <see cref="Problem"/> is set when it cannot be stored as records.
/// </summary>
internal sealed class StreamMessage
{
    private const int MaxKeyLength = 64;
    private const int MaxRunLength = 128;

    public long Offset { get; private init; }
    public string? TrKey { get; private init; }
    public string? Run { get; private init; }
    public long? FirstSeq { get; private init; }
    public int Count { get; private init; } = 1;
    public int Session { get; private init; }
    public long? ReceivedAtMicros { get; private init; }
    public long[]? ReceivedOffsets { get; private init; }
    public byte[] Body { get; private init; } = [];
    public string? Problem { get; private init; }

    /// <summary>
    /// The message as runs of one key, each stored and tracked as a message of its own at this offset: itself in the one-key
    /// format, one per record in the keys format (<see cref="GatewayWire.KeysFormat"/>). Only for a message without <see cref="Problem"/>.
    /// </summary>
    public IReadOnlyList<StreamMessage> Parts => _parts ?? [this];
    private IReadOnlyList<StreamMessage>? _parts;

    /// <summary>Not records: a message the gateway writes about a key (a run announcement, <see cref="GatewayWire.KindHeader"/>).
    /// Neither stored nor a gap; the writer only moves past it.</summary>
    public bool IsControl { get; private init; }

    public DateTimeOffset? ReceivedAt => ReceivedAtMicros is { } micros ? GatewayWire.FromUnixMicroseconds(micros) : null;

    /// <summary>Reads a delivery of stream <paramref name="trId"/> (what the gateway wrote: <see cref="GatewayWire"/>).</summary>
    public static StreamMessage Read(string trId, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        if (GatewayWire.Text(properties, GatewayWire.KindHeader) == GatewayWire.RunAnnouncementKind)
            return new StreamMessage { Offset = GatewayWire.Number(properties, "x-stream-offset") ?? -1, IsControl = true };
        if (GatewayWire.IsKeysFormat(properties)) return ReadKeysFormat(trId, properties, body);
        var trKey = Bounded(GatewayWire.Text(properties, GatewayWire.TrKeyHeader), MaxKeyLength);
        var run = Bounded(GatewayWire.Text(properties, GatewayWire.RunHeader), MaxRunLength);
        var seq = GatewayWire.Number(properties, GatewayWire.SequenceHeader);
        var countHeader = GatewayWire.Number(properties, GatewayWire.CountHeader);
        var count = countHeader is { } c && c > 1 ? (int)Math.Min(c, int.MaxValue) : 1;
        var receivedAt = GatewayWire.Number(properties, GatewayWire.ReceivedAtHeader);
        var session = GatewayWire.Number(properties, GatewayWire.SessionHeader) ?? 0;
        var headerTr = GatewayWire.Text(properties, GatewayWire.TrIdHeader);
        var problem =
            trKey is null ? "no tr_key (or longer than 64)" :
            run is null ? "no run (or longer than 128)" :
            seq is not { } first || first < 1 ? "no seq, or below 1" :
            receivedAt is null ? "no received_at" :
            headerTr != trId ? "tr_id is not the stream's TR" :
            session is < 0 or > int.MaxValue ? "session out of range" :
            first > long.MaxValue - count ? "seq out of range" :
            count > 1 && body.Span.Count(GatewayWire.RecordSeparator) + 1 != count ? "count does not match the records in the body" :
            null;
        return new StreamMessage
        {
            Offset = GatewayWire.Number(properties, "x-stream-offset") ?? -1,
            TrKey = trKey,
            Run = run,
            FirstSeq = seq,
            Count = count,
            Session = (int)Math.Clamp(session, 0, int.MaxValue),
            ReceivedAtMicros = receivedAt,
            ReceivedOffsets = problem is null ? GatewayWire.ReceivedOffsets(properties, count) : null,
            Body = problem is null ? body.ToArray() : [], // a bad message is not kept: only what is known of it
            Problem = problem,
        };
    }

    /// <summary>A keys-format message: its records, each with its own key, sequence and session, as <see cref="Parts"/>.</summary>
    private static StreamMessage ReadKeysFormat(string trId, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        var offset = GatewayWire.Number(properties, "x-stream-offset") ?? -1;
        var run = Bounded(GatewayWire.Text(properties, GatewayWire.RunHeader), MaxRunLength);
        var count = GatewayWire.RecordCount(properties);
        var keys = GatewayWire.Keys(properties, count, MaxKeyLength);
        var seqs = GatewayWire.Numbers(properties, GatewayWire.SequencesHeader, count);
        var hasSessions = properties.Headers?.ContainsKey(GatewayWire.SessionsHeader) == true;
        var sessions = hasSessions ? GatewayWire.Numbers(properties, GatewayWire.SessionsHeader, count) : null;
        var session = GatewayWire.Number(properties, GatewayWire.SessionHeader) ?? 0;
        var receivedAt = GatewayWire.Number(properties, GatewayWire.ReceivedAtHeader);
        var offsets = GatewayWire.ReceivedOffsets(properties, count);
        var problem =
            count < 2 ? "keys format with fewer than 2 records" :
            keys is null ? "keys does not name each record (or one is empty or longer than 64)" :
            run is null ? "no run (or longer than 128)" :
            seqs is null || seqs.Any(s => s < 1) ? "seqs does not number each record, or one is below 1" :
            receivedAt is null ? "no received_at" :
            GatewayWire.Text(properties, GatewayWire.TrIdHeader) != trId ? "tr_id is not the stream's TR" :
            hasSessions && sessions is null ? "sessions does not name each record's session" :
            (sessions ?? [session]).Any(s => s is < 0 or > int.MaxValue) ? "session out of range" :
            body.Span.Count(GatewayWire.RecordSeparator) + 1 != count ? "count does not match the records in the body" :
            null;
        if (problem is not null)
            return new StreamMessage { Offset = offset, Run = run, ReceivedAtMicros = receivedAt, Count = Math.Max(count, 1), Problem = problem };
        var parts = new StreamMessage[count];
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var record = GatewayWire.NextRecord(body, ref start, last: i == count - 1);
            parts[i] = new StreamMessage
            {
                Offset = offset, TrKey = keys![i], Run = run, FirstSeq = seqs![i], Session = (int)(sessions?[i] ?? session),
                ReceivedAtMicros = receivedAt!.Value + (offsets?[i] ?? 0), Body = record.ToArray(),
            };
        }
        return new StreamMessage { Offset = offset, Run = run, ReceivedAtMicros = receivedAt, Count = count, _parts = parts };
    }

    /// <summary>The records: (seq, receive time, fields), in order. Only for a message without <see cref="Problem"/>.</summary>
    public IEnumerable<(long Seq, DateTimeOffset ReceivedAt, ReadOnlyMemory<byte> Body)> Records()
    {
        var start = 0;
        for (var i = 0; i < Count; i++)
        {
            var record = GatewayWire.NextRecord(Body, ref start, last: i == Count - 1);
            var micros = ReceivedAtMicros!.Value + (ReceivedOffsets is { } offsets ? offsets[i] : 0);
            yield return (FirstSeq!.Value + i, GatewayWire.FromUnixMicroseconds(micros), record);
        }
    }

    private static string? Bounded(string? text, int max) => text is { Length: > 0 } && text.Length <= max ? text : null;

    /// <summary>For logs: what is known, no body.</summary>
    public override string ToString()
    {
        var text = new StringBuilder().Append("offset ").Append(Offset);
        if (TrKey is not null) text.Append(", key ").Append(TrKey);
        if (FirstSeq is not null) text.Append(", seq ").Append(FirstSeq);
        return text.ToString();
    }
}

/// <summary>A row of the <c>gaps</c> table: a stretch of a stream the writer could not store, with what is known of it.</summary>
internal sealed record StreamGap(long FromOffset, long ToOffset, string Reason, string? Detail = null, string? Run = null, string? TrKey = null,
    long? FirstSeq = null, long? LastSeq = null, DateTimeOffset? FromTime = null, DateTimeOffset? ToTime = null)
{
    public const string Retention = "retention";
    public const string Malformed = "malformed";
    public const string Rejected = "rejected";
    public const string Sequence = "sequence";

    /// <summary>A message that is not what the gateway writes: its offset and what its headers tell.</summary>
    public static StreamGap Of(StreamMessage message) => new(message.Offset, message.Offset, Malformed, message.Problem, message.Run, message.TrKey,
        message.FirstSeq, message.FirstSeq is { } first && first <= long.MaxValue - message.Count ? first + message.Count - 1 : null, message.ReceivedAt,
            message.ReceivedAt);
}
