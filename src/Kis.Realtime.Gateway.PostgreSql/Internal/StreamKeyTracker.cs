namespace Kis.Realtime.Gateway.PostgreSql.Internal;

/// <summary>
/// Per key of one stream: the gateway run and the last seq stored (table <c>stream_keys</c>, kept in the same transaction
/// as the rows), to see records missing. Stream offsets cannot tell it alone: RabbitMQ leaves an offset unused where it
/// starts a new segment, so a jump of the offset is no loss by itself. A key whose seq jumps within its run, or whose new
/// run starts past 1, lacks records: when the offsets jumped since its last record they went with the stream's
/// retention, else the stream never held them (lost before it, or a forged seq). Used by the feed's database side only.
/// </summary>
internal sealed class StreamKeyTracker
{
    private readonly Dictionary<string, KeyPlace> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _touched = new(StringComparer.Ordinal);
    private bool _hadPlace;
    private (long From, long To)? _lastSkip;

    /// <summary>Where a key was stored up to.</summary>
    public sealed record KeyPlace(string Run, long LastSeq, long LastOffset, DateTimeOffset LastReceivedAt);

    /// <summary>The stored places; <paramref name="hadPlace"/>: the stream was read before (a key first seen past seq 1 then lacks records).</summary>
    public void Load(IEnumerable<(string Key, KeyPlace Place)> places, bool hadPlace)
    {
        _keys.Clear();
        foreach (var (key, place) in places) _keys[key] = place;
        _hadPlace = hadPlace;
    }

    /// <summary>The offsets before the next message were not delivered (retention, or a segment's unused offset).</summary>
    public void Skipped(long from, long to) => _lastSkip = (from, to);

    /// <summary>Takes a well-formed message's place; returns the records its key lacks before it, if any.</summary>
    public StreamGap? Take(StreamMessage message)
    {
        var key = message.TrKey!;
        var run = message.Run!;
        var first = message.FirstSeq!.Value;
        var last = first + message.Count - 1;
        _keys.TryGetValue(key, out var place);
        long? missingFrom = place is null ? (_hadPlace && first > 1 ? 1 : null)
            : place.Run != run ? (first > 1 ? 1 : null) // a new run numbers from 1
            : first > place.LastSeq + 1 ? place.LastSeq + 1 : null;
        StreamGap? gap = null;
        if (missingFrom is { } from)
        {
            var afterOffset = place?.LastOffset ?? -1;
            gap = _lastSkip is { } skip && skip.From > afterOffset
                ? new StreamGap(skip.From, skip.To, StreamGap.Retention,
                    $"{first - from} records of the key missing: offsets {skip.From}–{skip.To} were no longer in the stream (retention by age or size)",
                    run, key, from, first - 1, place?.Run == run ? place.LastReceivedAt : null, message.ReceivedAt)
                : new StreamGap(message.Offset, message.Offset, StreamGap.Sequence,
                    $"{first - from} records of the key missing: the stream never held them (lost before it, or a forged seq)",
                    run, key, from, first - 1, place?.Run == run ? place.LastReceivedAt : null, message.ReceivedAt);
        }
        // A repeat (seq not past the last) leaves the place; the unique index keeps it from being stored twice.
        if (place is null || place.Run != run || last > place.LastSeq)
        {
            _keys[key] = new KeyPlace(run, last, message.Offset, message.ReceivedAt!.Value);
            _touched.Add(key);
        }
        return gap;
    }

    /// <summary>The places changed since <see cref="Committed"/>, to store with the batch.</summary>
    public IEnumerable<(string Key, KeyPlace Place)> Touched() => _touched.Select(k => (k, _keys[k]));

    public int TouchedCount => _touched.Count;

    /// <summary>The batch is committed: its places are stored.</summary>
    public void Committed() => _touched.Clear();
}
