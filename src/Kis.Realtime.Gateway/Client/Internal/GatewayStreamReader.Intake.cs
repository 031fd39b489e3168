using System.Text;
using System.Threading.Channels;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The reader's intake: each delivery of its channel (one at a time) taken apart into records, judged per key (run,
/// sequence, start time), and handed to the key's subscriptions; run announcements kept for the gaps they explain.
/// Attaching, reconnecting, acknowledging and the key table are in <c>GatewayStreamReader.cs</c>.
/// </summary>
internal sealed partial class GatewayStreamReader
{
    /// <summary>
    /// Takes one delivery (1 … N records: of one key, or, in the keys format, each with its own key and sequence): each
    /// record to its key's subscriptions, each (run, key, seq) once; every delivery moves the place on. Offsets name
    /// messages, so a subscription that moves to a reader of its own in the middle of one re-reads that message there and
    /// its sequence skips what it already had.
    /// </summary>
    private async Task TakeAsync(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var offset = GatewayWire.Number(properties, "x-stream-offset") ?? -1;
        if (offset >= 0 && offset <= _lastOffset) return; // seen before a reconnect
        _lastHeaders = properties.Headers; // what the message at the place was (StartedOverAsync compares)
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
            else Interlocked.Increment(ref _context.Counters.DecodeErrors);
        }
        else if (KeyOf(properties) is { } key)
        {
            var count = GatewayWire.RecordCount(properties);
            // Never more records than the body holds, whatever the header says (a foreign publisher); a one-record body is
            // not scanned.
            if (count > 1) count = Math.Min(count, body.Span.Count(GatewayWire.RecordSeparator) + 1);
            await TakeRecordsAsync(properties, body, offset, count, key, null, null, cancellationToken).ConfigureAwait(false);
        }
        if (offset >= 0) _lastOffset = offset;
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
        var rereadingStart = !_shared && _start.Kind == GatewayStartKind.Offset && offset == _start.Offset;
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var recordBody = GatewayWire.NextRecord(body, ref start, last: i == count - 1);
            // Looked up per record: a subscription that moved away in this message gets none of its later records here.
            if ((keys is null ? FeedOf(key!) : FeedOf(keys[i])) is not { } feed)
            {
                if (keys is null) break;
                continue; // another key's record
            }
            var sequence = sequences is null ? firstSequence + i : sequences[i];
            var recordReceivedAt = receivedOffsets is null ? receivedAt : receivedAt + receivedOffsets[i];
            // A record of another run than the last one delivered: what came between is reported, typed, not a silent jump.
            var gap = feed.GapBefore(_trId, run, sequence, recordReceivedAt, recordBody.Span);
            var verdict = feed.Judge(run, sequence, _context.Options.DuplicateWindow);
            if (verdict == Sequence.Repeat)
            {
                if (!rereadingStart) Interlocked.Increment(ref _context.Counters.Duplicates);
                continue;
            }
            if (verdict == Sequence.WentBack)
            {
                var resets = Interlocked.Increment(ref _context.Counters.Resets);
                if ((resets & (resets - 1)) == 0) Log.SequenceWentBack(_logger, _trId, feed.Key, sequence, resets);
            }
            if (!feed.PassedStart)
            {
                // Before the start (a message without a time cannot be judged, so it counts as at the start).
                if (receivedAtHeader is not null && recordReceivedAt < _notBeforeMicros) continue;
                feed.PassedStart = true;
            }
            Interlocked.Increment(ref _context.Counters.RecordsReceived);
            if (gap is not null) _context.RunGaps.Report(gap);
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
            || FeedOf(key) is not { } feed) return;
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
            Interlocked.Increment(ref _context.Counters.DecodeErrors);
            return;
        }
        Interlocked.Increment(ref _context.Counters.Announcements);
        feed.Announce(announcement);
        var age = _context.Options.TimeProvider.GetUtcNow() - GatewayWire.FromUnixMicroseconds(announcement.StartedAt);
        if (age < FreshAnnouncement && announcement.KisReconnectedAt is null) _ = _context.Claims.ClaimAgainAsync(_trId, feed.Key);
    }

    private const int MaxAnnouncementBytes = 4096;
    private static readonly TimeSpan FreshAnnouncement = TimeSpan.FromSeconds(30);

    private async Task DeliverAsync(KeyFeed feed, StreamRecord record, byte[]? run, long sequence, CancellationToken cancellationToken)
    {
        foreach (var subscriber in feed.Subscribers)
        {
            if (_shared && record.Offset >= 0)
            {
                if (subscriber.Buffer.Writer.TryWrite(record) || subscriber.Buffer.Reader.Completion.IsCompleted) continue;
                // Full: it moves to a reader of its own from this record's message (the stream keeps it); the others go on.
                Detach(subscriber);
                _readers.MoveToOwnReader(subscriber, this, record.Offset, run, sequence - 1);
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

    private KeyFeed? FeedOf(string key) => Volatile.Read(ref _keys).TryGetValue(key, out var feed) ? feed : null;

    private KeyFeed? FeedOf(byte[] keyBytes)
    {
        Span<char> key = stackalloc char[keyBytes.Length];
        Encoding.ASCII.GetChars(keyBytes, key);
        return Volatile.Read(ref _keys).GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out var feed) ? feed : null;
    }

    /// <summary>Acknowledges in batches (a quarter of the prefetch): the broker's credit, without a frame per record.</summary>
    private sealed class Consumer(GatewayStreamReader reader, IChannel channel) : AsyncDefaultBasicConsumer(channel)
    {
        private readonly int _ackEvery = Math.Max(1, reader._context.Options.Prefetch / 4);
        private int _unacknowledged;

        public override async Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
            IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        {
            await reader.TakeAsync(properties, body, cancellationToken).ConfigureAwait(false);
            if (++_unacknowledged < _ackEvery) return;
            _unacknowledged = 0;
            await reader.AcknowledgeAsync(Channel, deliveryTag, cancellationToken).ConfigureAwait(false);
        }

        public override async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
        {
            await base.HandleBasicCancelAsync(consumerTag, cancellationToken).ConfigureAwait(false);
            reader.CancelledByBroker(Channel);
        }
    }
}
