using System.Threading.Channels;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A stream reader's intake: each delivery of its channel (one at a time) taken apart into records, judged per key (run,
/// sequence, start time), and handed to the key's subscriptions; run announcements kept for the gaps they explain. A
/// shared reader never waits for one subscription: one whose buffer is full moves to a reader of its own
/// (<see cref="GatewayReaderPool.MoveToOwnReader"/>); a reader of its own waits (backpressure).
/// </summary>
internal sealed class StreamIntake(GatewayReaderContext context, GatewayReaderPool readers, GatewayStreamReader reader, StreamKeyTable keys,
    StreamPlace place, string trId, GatewayStart start, bool shared)
{
    private readonly StreamKeyTable _keys = keys;
    private readonly StreamPlace _place = place;
    private readonly GatewayStart _start = start;
    // From a time: the broker attaches before it (GatewayStart.ToArgument), so each key's records received earlier are
    // skipped, until its first record at or after it (from then on none is: a step back of the gateway's clock loses nothing).
    private readonly long _notBeforeMicros =
        start.Kind == GatewayStartKind.Time ? (start.Time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + 9) / 10 : long.MinValue;

    /// <summary>
    /// Takes one delivery (1 … N records: of one key, or, in the keys format, each with its own key and sequence): each
    /// record to its key's subscriptions, each (run, key, seq) once; every delivery moves the place on. Offsets name
    /// messages, so a subscription that moves to a reader of its own in the middle of one re-reads that message there and
    /// its sequence skips what it already had.
    /// </summary>
    public async Task TakeAsync(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var offset = GatewayWire.Number(properties, "x-stream-offset") ?? -1;
        if (_place.TakenBefore(offset)) return; // seen before a reconnect
        _place.Taking(properties.Headers); // what the message at the place was (StreamPlace compares)
        if (properties.Headers?.ContainsKey(GatewayWire.KindHeader) == true)
        {
            TakeAnnouncement(properties, body); // not a record
        }
        else if (GatewayWire.IsKeysFormat(properties))
        {
            var count = GatewayWire.RecordCount(properties);
            // Every record names its key and sequence, so nothing of a message that does not add up can be placed.
            if (GatewayWire.Keys(properties, count) is { } keys && GatewayWire.Numbers(properties, GatewayWire.SequencesHeader, count) is { } sequences
                && count > 1 && body.Span.Count(GatewayWire.RecordSeparator) + 1 == count)
                await TakeRecordsAsync(properties, body, offset, count, null, keys, sequences, cancellationToken).ConfigureAwait(false);
            else Interlocked.Increment(ref context.Counters.DecodeErrors);
        }
        else if (KeyOf(properties) is { } key)
        {
            var count = GatewayWire.RecordCount(properties);
            // Never more records than the body holds, whatever the header says (a foreign publisher); a one-record body is
            // not scanned.
            if (count > 1) count = Math.Min(count, body.Span.Count(GatewayWire.RecordSeparator) + 1);
            await TakeRecordsAsync(properties, body, offset, count, key, null, null, cancellationToken).ConfigureAwait(false);
        }
        _place.Took(offset);
    }

    /// <summary>The records of a message: of <paramref name="key"/> from <c>seq</c> on, or record i of <paramref name="keys"/>[i]
    /// with <paramref name="sequences"/>[i] (the keys format).</summary>
    private async Task TakeRecordsAsync(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, long offset, int count,
        byte[]? key, string[]? keys, long[]? sequences, CancellationToken cancellationToken)
    {
        var firstSequence = GatewayWire.Number(properties, GatewayWire.SequenceHeader) ?? 0;
        var receivedAtHeader = GatewayWire.Number(properties, GatewayWire.ReceivedAtHeader);
        var receivedAt = receivedAtHeader ?? 0;
        var receivedOffsets = GatewayWire.ReceivedOffsets(properties, count);
        var run = properties.Headers?.TryGetValue(GatewayWire.RunHeader, out var value) == true ? value as byte[] : null;
        // A reader that took a subscription over from a shared one starts at the message it missed part of: the part it
        // had is skipped here on purpose, not a repeat on the stream.
        var rereadingStart = !shared && _start.Kind == GatewayStartKind.Offset && offset == _start.Offset;
        var position = 0;
        for (var i = 0; i < count; i++)
        {
            var recordBody = GatewayWire.NextRecord(body, ref position, last: i == count - 1);
            // Looked up per record: a subscription that moved away in this message gets none of its later records here.
            if ((keys is null ? _keys.FeedOf(key!) : _keys.FeedOf(keys[i])) is not { } feed)
            {
                if (keys is null) break;
                continue; // another key's record
            }
            var sequence = sequences is null ? firstSequence + i : sequences[i];
            var recordReceivedAt = receivedOffsets is null ? receivedAt : receivedAt + receivedOffsets[i];
            // A record of another run than the last one delivered: what came between is reported, typed, not a silent jump.
            var gap = feed.GapBefore(trId, run, sequence, recordReceivedAt, recordBody.Span);
            var verdict = feed.Judge(run, sequence, context.Options.DuplicateWindow);
            if (verdict == SequenceVerdict.Repeat)
            {
                if (!rereadingStart) Interlocked.Increment(ref context.Counters.Duplicates);
                continue;
            }
            if (verdict == SequenceVerdict.WentBack)
            {
                var resets = Interlocked.Increment(ref context.Counters.Resets);
                if ((resets & (resets - 1)) == 0) StreamReaderLog.SequenceWentBack(context.Logger, trId, feed.Key, sequence, resets);
            }
            if (!feed.PassedStart)
            {
                // Before the start (a message without a time cannot be judged, so it counts as at the start).
                if (receivedAtHeader is not null && recordReceivedAt < _notBeforeMicros) continue;
                feed.PassedStart = true;
            }
            Interlocked.Increment(ref context.Counters.RecordsReceived);
            if (gap is not null) context.RunGaps.Report(gap);
            var copy = recordBody.ToArray();
            feed.Delivered(recordReceivedAt, copy);
            await DeliverAsync(feed, new StreamRecord(copy, recordReceivedAt, offset), run, sequence, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A run announcement (<see cref="GatewayWire.KindHeader"/>): kept for the gap its run's first record reports, and,
    /// when the run began just now, the key is claimed again at once (the new run restores the claims it found in the
    /// previous run's checkpoint; this covers one made after it). A malformed one is counted and skipped.
    /// </summary>
    private void TakeAnnouncement(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        if (GatewayWire.Text(properties, GatewayWire.KindHeader) != GatewayWire.RunAnnouncementKind || KeyOf(properties) is not { } key
            || _keys.FeedOf(key) is not { } feed) return;
        GatewayRunAnnouncement? announcement = null;
        try
        {
            if (body.Length <= MaxAnnouncementBytes) announcement = GatewayJson.Deserialize<GatewayRunAnnouncement>(body.Span);
        }
        catch (System.Text.Json.JsonException)
        {
        }
        if (announcement is not { Run.Length: > 0 })
        {
            Interlocked.Increment(ref context.Counters.DecodeErrors);
            return;
        }
        Interlocked.Increment(ref context.Counters.Announcements);
        feed.Announce(announcement);
        var age = context.Options.TimeProvider.GetUtcNow() - GatewayWire.FromUnixMicroseconds(announcement.StartedAt);
        if (age < FreshAnnouncement && announcement.KisReconnectedAt is null) _ = context.Claims.ClaimAgainAsync(trId, feed.Key);
    }

    private const int MaxAnnouncementBytes = 4096;
    private static readonly TimeSpan FreshAnnouncement = TimeSpan.FromSeconds(30);

    private async Task DeliverAsync(StreamKeyFeed feed, StreamRecord record, byte[]? run, long sequence, CancellationToken cancellationToken)
    {
        foreach (var subscriber in feed.Subscribers)
        {
            if (shared && record.Offset >= 0)
            {
                if (subscriber.Buffer.Writer.TryWrite(record) || subscriber.Buffer.Reader.Completion.IsCompleted) continue;
                // Full: it moves to a reader of its own from this record's message (the stream keeps it); the others go on.
                _keys.Remove(subscriber);
                readers.MoveToOwnReader(subscriber, reader, record.Offset, run, sequence - 1);
                continue;
            }
            try
            {
                // Waiting here holds back the acknowledgement, and with it the broker (prefetch): backpressure, no loss.
                await subscriber.Buffer.Writer.WriteAsync(record, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // that subscription ended meanwhile
            }
        }
    }

    private static byte[]? KeyOf(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue(GatewayWire.TrKeyHeader, out var value) == true && value is byte[] { Length: <= 64 } bytes ? bytes : null;
}
