using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A stream reader's place: the last stream offset it took, and where it attaches again after a loss. Normally one past
/// its place. But when the broker cancelled its consumer, the stream may have been deleted and created again (an operator
/// changing its settings): the new stream's offsets start over at 0, so attaching after the old place would wait until
/// the new stream reached it and skip everything before (seen in a test: 131 messages). A stream never loses its tail, so
/// the place still holding the message the reader took there proves it is the same stream; anything else means it
/// started over, and everything in it came after what was delivered: it is read from its first record.
/// <para>Moved by the delivery path (one channel, one delivery at a time) and by the reconnect loop after that channel was
/// lost and closed; no lock, as before the reader was split. The one possible overlap: a delivery still running on a channel
/// the broker cancelled.</para>
/// </summary>
internal sealed class StreamPlace(GatewayReaderContext context, string stream, string trId, GatewayStart start)
{
    private long _lastOffset = -1;
    // The headers of the message at _lastOffset: after a broker cancel, the stream holding the same message there is the
    // same stream. Written by the delivery path only.
    private IDictionary<string, object?>? _lastHeaders;
    // Set when the broker cancelled the consumer with its channel left open (a stream deleted, or a member lost).
    private volatile bool _cancelledByBroker;

    /// <summary>The last offset taken (-1 before any).</summary>
    public long Offset => _lastOffset;

    /// <summary>True when the message at <paramref name="offset"/> was taken before (a reconnect delivers it again).</summary>
    public bool TakenBefore(long offset) => offset >= 0 && offset <= _lastOffset;

    /// <summary>The message being taken: its headers name it (<see cref="StartedOverAsync"/> compares them).</summary>
    public void Taking(IDictionary<string, object?>? headers) => _lastHeaders = headers;

    /// <summary>The message at <paramref name="offset"/> was taken: the place moves on.</summary>
    public void Took(long offset)
    {
        if (offset >= 0) _lastOffset = offset;
    }

    /// <summary>
    /// The broker cancelled the consumer and left its channel open (a stream deleted, or a member lost): the place is in
    /// doubt (<see cref="ResumeFromAsync"/>).
    /// </summary>
    public void CancelledByBroker() => _cancelledByBroker = true;

    /// <summary>The start of the next attach: one past the place, or the first record of a stream that started over.</summary>
    public async Task<GatewayStart> ResumeFromAsync(CancellationToken cancellationToken)
    {
        if (_lastOffset < 0) return start;
        if (_cancelledByBroker)
        {
            // Throws while the stream is missing (404): the caller backs off and tries again until it is back.
            if (await StartedOverAsync(cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Increment(ref context.Counters.StartedOver);
                StreamReaderLog.StartedOver(context.Logger, trId, stream, _lastOffset);
                _lastOffset = -1;
                _lastHeaders = null;
                _cancelledByBroker = false;
                return GatewayStart.First;
            }
            _cancelledByBroker = false;
        }
        return GatewayStart.FromOffset(_lastOffset + 1);
    }

    /// <summary>
    /// Reads the message at the place on a channel of its own: the same one (key, run, sequence) means the same stream.
    /// Another message there, or none within the request timeout (the new stream is shorter than the place), means the
    /// stream started over.
    /// </summary>
    private async Task<bool> StartedOverAsync(CancellationToken cancellationToken)
    {
        var place = _lastOffset;
        var found = new TaskCompletionSource<IDictionary<string, object?>?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var channel = await context.Link.Connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.BasicQosAsync(0, 1, false, cancellationToken).ConfigureAwait(false);
            var probe = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
            probe.ReceivedAsync += async (_, delivery) =>
            {
                var offset = GatewayWire.Number(delivery.BasicProperties, "x-stream-offset") ?? -1;
                if (offset == place) found.TrySetResult(delivery.BasicProperties.Headers);
                else if (offset > place) found.TrySetResult(null);
                // A stream may deliver from the start of the chunk holding the place: an earlier message is passed over, and
                // acknowledged for the next (one at a time). Never after the verdict: the channel closes then.
                else await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
            };
            // A stream takes no automatic acknowledgement.
            await channel.BasicConsumeAsync(stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
                new Dictionary<string, object?> { ["x-stream-offset"] = place }, probe, cancellationToken).ConfigureAwait(false);
            IDictionary<string, object?>? there;
            try
            {
                there = await found.Task.WaitAsync(context.Options.RequestTimeout, context.Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return true; // the old stream had that offset: this one has not reached it
            }
            return there is null || !SameMessage(there, _lastHeaders);
        }
        finally
        {
            try { await channel.CloseAsync(cancellationToken).ConfigureAwait(false); } catch (Exception) { /* the connection is gone */ }
            channel.Dispose();
        }
    }

    /// <summary>The gateway names each message by its key, run and first sequence (an announcement by its kind instead; a
    /// message of several keys by its keys and sequences).</summary>
    private static bool SameMessage(IDictionary<string, object?> there, IDictionary<string, object?>? taken)
    {
        if (taken is null) return false;
        foreach (var header in (ReadOnlySpan<string>)[GatewayWire.TrKeyHeader, GatewayWire.RunHeader, GatewayWire.SequenceHeader,
                     GatewayWire.KindHeader, GatewayWire.KeysHeader, GatewayWire.SequencesHeader])
        {
            there.TryGetValue(header, out var a);
            taken.TryGetValue(header, out var b);
            var same = (a, b) switch
            {
                (null, null) => true,
                (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
                _ => Equals(a, b),
            };
            if (!same) return false;
        }
        return true;
    }
}
