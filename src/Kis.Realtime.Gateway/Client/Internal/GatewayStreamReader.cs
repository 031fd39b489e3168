using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// One AMQP consumer of one TR's stream, delivering each record to the subscriptions of its key. The client shares one
/// live reader per stream among all its live subscriptions of that TR (a consumer of 40 stocks reads the stream once,
/// not 40 times); a replaying subscription has a reader of its own, since it starts elsewhere in the stream. A shared
/// reader never waits for one subscription: one whose buffer is full moves to a reader of its own from the record it
/// could not take (the stream keeps it), so a consumer that waits for one key inside its loop over another cannot
/// stall both, and nothing is lost. A reader of its own waits (the broker holds back: backpressure).
/// <para>
/// It keeps its place (the last stream offset it took) and, per key, what it delivered (run and sequence), so when the
/// broker connection is lost it reconnects with backoff, attaches again one past that offset and claims its keys
/// again: no gap, no repeat. Deliveries come one at a time (one channel), so the place needs no lock; the key table is
/// copied on write under <see cref="_gate"/> and read without it.
/// </para>
/// </summary>
internal sealed partial class GatewayStreamReader : IAsyncDisposable
{
    private readonly GatewayReaderContext _context;
    private readonly GatewayStreamReaders _readers; // where a subscription that does not keep up moves to a reader of its own
    private readonly string _stream;
    private readonly string _trId;
    private readonly GatewayStart _start;
    // From a time: the broker attaches before it (GatewayStart.ToArgument), so each key's records received earlier are
    // skipped, until its first record at or after it (from then on none is: a step back of the gateway's clock loses nothing).
    private readonly long _notBeforeMicros;
    private readonly bool _shared;
    private readonly ILogger _logger;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new(); // guards writes of _keys
    private Dictionary<string, KeyFeed> _keys = new(StringComparer.Ordinal);
    private IChannel? _channel;
    // An ack and the channel's close never cross: an ack sent after channel.close reaches a broker that has dropped the
    // channel, and it answers CHANNEL_ERROR "expected 'channel.open'", which closes the whole connection (every
    // subscription and request of the client). Held while an ack is sent, and to take the channel away before closing it.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly SemaphoreSlim _acking = new(1, 1);
    private TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _keeper;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastOffset = -1;
    // The headers of the message at _lastOffset: after a broker cancel, the stream holding the same message there is the
    // same stream (GatewayStreamReader.Place.cs). Written by the delivery path only.
    private IDictionary<string, object?>? _lastHeaders;
    // Set when the broker cancelled the consumer with its channel left open (a stream deleted, or a member lost).
    private volatile bool _cancelledByBroker;
    private int _disposed;

    public GatewayStreamReader(GatewayReaderContext context, GatewayStreamReaders readers, string stream, string trId, GatewayStart start, bool shared)
    {
        _context = context;
        _readers = readers;
        _stream = stream;
        _trId = trId;
        _start = start;
        _notBeforeMicros = start.Kind == GatewayStartKind.Time ? (start.Time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + 9) / 10 : long.MinValue;
        _shared = shared;
        _logger = context.Logger;
    }

    /// <summary>The TR this reader's stream carries.</summary>
    public string TrId => _trId;

    /// <summary>True when no subscription is fed by it any more.</summary>
    public bool IsEmpty => Volatile.Read(ref _keys).Count == 0;

    /// <summary>The stream this reader consumes.</summary>
    public string Stream => _stream;

    /// <summary>Completes when <see cref="StartAsync"/> has attached; fails as it does (a subscription joining a shared
    /// reader while it attaches waits for this).</summary>
    public Task Started => _started.Task;

    /// <summary>Attaches to the stream (before any claim: a live start misses nothing published from here on). Disposing
    /// the reader cancels an attach in progress.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var attaching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
            await AttachWithRetriesAsync(attaching.Token).ConfigureAwait(false);
            if (Volatile.Read(ref _disposed) == 1)
            {
                // Disposed while attaching: its disposal may have missed this channel. Closed even if the caller gives up.
                await CloseChannelAsync(CancellationToken.None).ConfigureAwait(false);
                throw new ObjectDisposedException(nameof(GatewayStreamReader));
            }
            _keeper = Task.Run(KeepAttachedAsync, CancellationToken.None); // runs until the reader's disposal, not the caller's token
            _started.TrySetResult();
        }
        catch (Exception e)
        {
            _started.TrySetException(e);
            throw;
        }
    }

    private async Task AttachWithRetriesAsync(CancellationToken cancellationToken)
    {
        await _readers.BeforeAttach(cancellationToken).ConfigureAwait(false);
        var time = _context.Options.TimeProvider;
        var started = time.GetTimestamp();
        for (var backoff = new Retry.ExponentialBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)); ; backoff.Grow())
        {
            try
            {
                await AttachAsync(_start, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e)
                when (ReplicaNotYetStarted(e) && time.GetElapsedTime(started) < _context.Options.RequestTimeout)
            {
                Log.ReplicaNotYetStarted(_logger, _trId, _stream);
                await Task.Delay(backoff.Current, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Takes the channel away from its consumer (no ack is sent on it after this), then closes it.</summary>
    private async Task CloseChannelAsync(CancellationToken cancellationToken = default)
    {
        IChannel? channel;
        await _acking.WaitAsync(CancellationToken.None).ConfigureAwait(false); // held for one ack at most
        try
        {
            channel = _channel;
            _channel = null;
        }
        finally
        {
            _acking.Release();
        }
        if (channel is null) return;
        try { await channel.CloseAsync(cancellationToken).ConfigureAwait(false); } catch (Exception) { /* the connection is gone */ }
        channel.Dispose();
    }

    /// <summary>Acknowledges up to <paramref name="deliveryTag"/> on <paramref name="channel"/> unless it is closing or lost.</summary>
    private async Task AcknowledgeAsync(IChannel channel, ulong deliveryTag, CancellationToken cancellationToken)
    {
        await _acking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!ReferenceEquals(_channel, channel) || !channel.IsOpen) return; // a stream keeps its records: nothing to give back
            await channel.BasicAckAsync(deliveryTag, multiple: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _acking.Release();
        }
    }

    /// <summary>
    /// The broker refused the consume because the node this client is connected to holds no replica of the stream yet:
    /// in a cluster the gateway's declare returns before every replica has started, so a consumer on another node can
    /// arrive first (seen in CI: refused 2 ms before the replica started). Worth another try, for a while.
    /// </summary>
    private static bool ReplicaNotYetStarted(RabbitMQ.Client.Exceptions.OperationInterruptedException e) =>
        e.ShutdownReason is { ReplyCode: 406 } reason && reason.ReplyText.Contains("does not have a replica on the local node", StringComparison.Ordinal);

    /// <summary>A new subscription of <paramref name="key"/>: its own bounded buffer (add it before <see cref="StartAsync"/>
    /// on a reader of its own, so nothing delivered first passes it by).</summary>
    public StreamSubscriber Add(string key, int capacity)
    {
        var subscriber = new StreamSubscriber(key, Channel.CreateBounded<StreamRecord>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false, // a shared reader, then the reader it moves to
            FullMode = BoundedChannelFullMode.Wait,
        }));
        Adopt(subscriber, null, 0);
        return subscriber;
    }

    /// <summary>Takes over a subscription from a shared reader, with what was delivered to it (run, sequence).</summary>
    public void Adopt(StreamSubscriber subscriber, byte[]? run, long sequence)
    {
        subscriber.Current = this;
        lock (_gate)
        {
            var keys = new Dictionary<string, KeyFeed>(_keys, StringComparer.Ordinal);
            keys[subscriber.Key] = keys.TryGetValue(subscriber.Key, out var feed) ? feed.With(subscriber)
                : new KeyFeed(subscriber.Key, [subscriber], run, sequence);
            Volatile.Write(ref _keys, keys);
        }
    }

    /// <summary>Ends a subscription (the client closes the reader once <see cref="IsEmpty"/>).</summary>
    public void Remove(StreamSubscriber subscriber)
    {
        subscriber.Buffer.Writer.TryComplete();
        Detach(subscriber);
    }

    /// <summary>Stops feeding a subscription: it ended, or moves to a reader of its own.</summary>
    private void Detach(StreamSubscriber subscriber)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(subscriber.Key, out var feed)) return;
            var keys = new Dictionary<string, KeyFeed>(_keys, StringComparer.Ordinal);
            if (feed.Without(subscriber) is { } left) keys[subscriber.Key] = left;
            else keys.Remove(subscriber.Key);
            Volatile.Write(ref _keys, keys);
        }
    }

    private async Task AttachAsync(GatewayStart from, CancellationToken cancellationToken)
    {
        // Never two consumers feeding one reader: the old channel is closed (lost) or closed here.
        await CloseChannelAsync(cancellationToken).ConfigureAwait(false);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _lost = lost;
        var channel = await _context.Link.Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        channel.ChannelShutdownAsync += (_, e) =>
        {
            lost.TrySetResult(e.ReplyText);
            return Task.CompletedTask;
        };
        await _acking.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        _channel = channel; // the one place besides CloseChannelAsync that sets it, under the same semaphore
        _acking.Release();
        await channel.BasicQosAsync(0, _context.Options.Prefetch, false, cancellationToken).ConfigureAwait(false);
        await channel.BasicConsumeAsync(_stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = from.ToArgument() }, new Consumer(this, channel), cancellationToken).ConfigureAwait(false);
    }

    private async Task KeepAttachedAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            string reason;
            try
            {
                reason = await _lost.Task.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Log.Lost(_logger, _trId, _stream, reason, _lastOffset);
            var backoff = new Retry.ExponentialBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
            var attached = false;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(backoff.Current, _context.Options.TimeProvider, stop).ConfigureAwait(false);
                    await _context.Link.ConnectAsync(stop).ConfigureAwait(false);
                    // Attach once; when only the claims failed (the gateway still reconnecting), retry the claims alone.
                    if (!attached || _lost.Task.IsCompleted)
                    {
                        await AttachAsync(await ResumeFromAsync(stop).ConfigureAwait(false), stop).ConfigureAwait(false);
                        attached = true;
                    }
                    await ClaimAgainAsync(stop).ConfigureAwait(false);
                    Log.Resumed(_logger, _trId, _stream, _lastOffset + 1);
                    break;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    Log.RetryFailed(_logger, _trId, _stream, e.Message);
                    backoff.Grow();
                }
            }
        }
    }

    /// <summary>Ends the subscriptions of <paramref name="key"/> with <paramref name="reason"/> (their enumerations throw it).</summary>
    public void End(string key, Exception reason)
    {
        if (Volatile.Read(ref _keys).TryGetValue(key, out var feed))
            foreach (var subscriber in feed.Subscribers) subscriber.Buffer.Writer.TryComplete(reason);
    }

    /// <summary>After a reconnect: every key claimed again; a key KIS now refuses ends its subscriptions with the refusal.</summary>
    private async Task ClaimAgainAsync(CancellationToken cancellationToken)
    {
        foreach (var feed in Volatile.Read(ref _keys).Values)
        {
            try
            {
                await _context.Claims.ClaimAsync(_trId, feed.Key, cancellationToken, renewal: true).ConfigureAwait(false);
            }
            catch (KisSubscriptionException e)
            {
                foreach (var subscriber in feed.Subscribers) subscriber.Buffer.Writer.TryComplete(e); // the consumer hears it
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        foreach (var feed in Volatile.Read(ref _keys).Values)
            foreach (var subscriber in feed.Subscribers) subscriber.Buffer.Writer.TryComplete();
        await CloseChannelAsync().ConfigureAwait(false);
        if (_keeper is not null) await _keeper.ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(41, LogLevel.Warning, "Stream reader {TrId} ({Stream}) lost the broker ({Reason}) after offset {Offset}; reconnecting")]
        public static partial void Lost(ILogger logger, string trId, string stream, string reason, long offset);

        [LoggerMessage(42, LogLevel.Information, "Stream reader {TrId} ({Stream}) resumed from offset {Offset}")]
        public static partial void Resumed(ILogger logger, string trId, string stream, long offset);

        [LoggerMessage(46, LogLevel.Warning, "Stream reader {TrId} key {TrKey}: seq went back to {Sequence} within a run, further than a resend can: " +
            "delivered, count restarted (a record the gateway did not publish reached the stream? {Resets} so far, logged at 1, 2, 4 …)")]
        public static partial void SequenceWentBack(ILogger logger, string trId, string trKey, long sequence, long resets);

        [LoggerMessage(64, LogLevel.Debug, "Stream reader {TrId} ({Stream}): this broker node holds no replica of the stream yet; trying again")]
        public static partial void ReplicaNotYetStarted(ILogger logger, string trId, string stream);

        [LoggerMessage(65, LogLevel.Warning, "Stream reader {TrId} ({Stream}) found the stream created again (offset {Offset} no longer "
            + "holds what it took there): reading it from its first record. What was published while it was missing never reached the "
            + "broker: GapDetected reports the trades")]
        public static partial void StartedOver(ILogger logger, string trId, string stream, long offset);

        [LoggerMessage(43, LogLevel.Debug, "Stream reader {TrId} ({Stream}): reconnect failed ({Reason})")]
        public static partial void RetryFailed(ILogger logger, string trId, string stream, string reason);
    }
}
