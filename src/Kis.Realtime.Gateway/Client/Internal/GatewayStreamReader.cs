using System.Threading.Channels;
using Kis.Realtime.Gateway.Wire;
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
/// It keeps its place (<see cref="StreamPlace"/>) and, per key, what it delivered (<see cref="StreamKeyTable"/>), so when
/// the broker connection is lost it reconnects with backoff, attaches again one past that place and claims its keys
/// again: no gap, no repeat. This type holds the attach and reconnect loop; the channel is <see cref="StreamChannel"/>'s,
/// the records' handling <see cref="StreamIntake"/>'s.
/// </para>
/// </summary>
internal sealed class GatewayStreamReader : IAsyncDisposable
{
    private readonly GatewayReaderContext _context;
    private readonly string _stream;
    private readonly string _trId;
    private readonly GatewayStart _start;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly CancellationTokenSource _stop = new();
    private readonly GatewayReaderPool _readers; // its BeforeAttach hook (tests)
    private readonly StreamKeyTable _keys = new();
    private readonly StreamPlace _place;
    private readonly StreamChannel _channel = new();
    private readonly StreamIntake _intake;
    private Task? _keeper;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    public GatewayStreamReader(GatewayReaderContext context, GatewayReaderPool readers, string stream, string trId, GatewayStart start, bool shared)
    {
        _context = context;
        _readers = readers;
        _stream = stream;
        _trId = trId;
        _start = start;
        _place = new StreamPlace(context, stream, trId, start);
        _intake = new StreamIntake(context, readers, this, _keys, _place, trId, start, shared);
    }

    /// <summary>The TR this reader's stream carries.</summary>
    public string TrId => _trId;

    /// <summary>True when no subscription is fed by it any more.</summary>
    public bool IsEmpty => _keys.IsEmpty;

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
                await _channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
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
                StreamReaderLog.ReplicaNotYetStarted(_context.Logger, _trId, _stream);
                await Task.Delay(backoff.Current, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (BrokerFault.Unasked(e, cancellationToken) is var fault && BrokerFault.IsTransient(fault))
            {
                // A loaded broker's fault (a connection or channel closed under the attach, an operation it did not answer in
                // time, which its client ends as a cancellation nobody asked for): tried again, on a new connection if
                // that one is gone, for as long as a request may take; then a typed error, never the client's cancellation.
                if (time.GetElapsedTime(started) >= _context.Options.RequestTimeout)
                    throw new KisConnectionException(new Uri(_context.Options.Endpoint.DisplayUri),
                        $"could not attach to stream {_stream} within {_context.Options.RequestTimeout.TotalSeconds:0.#} s: {fault.Message}", fault);
                StreamReaderLog.RetryFailed(_context.Logger, _trId, _stream, fault.Message);
                await Task.Delay(backoff.Current, time, cancellationToken).ConfigureAwait(false);
                await _context.Link.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
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
        _keys.Add(subscriber, run, sequence);
    }

    /// <summary>Ends a subscription (the client closes the reader once <see cref="IsEmpty"/>).</summary>
    public void Remove(StreamSubscriber subscriber)
    {
        subscriber.Buffer.Writer.TryComplete();
        _keys.Remove(subscriber);
    }

    /// <summary>Ends the subscriptions of <paramref name="key"/> with <paramref name="reason"/> (their enumerations throw it).</summary>
    public void End(string key, Exception reason) => _keys.End(key, reason);

    private Task AttachAsync(GatewayStart from, CancellationToken cancellationToken)
    {
        _context.Options.BrokerCall(BrokerCallSites.ReaderAttach);
        return _channel.OpenAsync(() => _context.Link.Connection, _stream, from, _context.Options.Prefetch,
            channel => new StreamConsumer(this, channel, Math.Max(1, _context.Options.Prefetch / 4)), cancellationToken);
    }

    /// <summary>One delivery of this reader's channel (<see cref="StreamConsumer"/>).</summary>
    public Task TakeAsync(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        _intake.TakeAsync(properties, body, cancellationToken);

    /// <summary>Acknowledges up to <paramref name="deliveryTag"/> on <paramref name="channel"/> unless it is closing or lost.</summary>
    public Task AcknowledgeAsync(IChannel channel, ulong deliveryTag, CancellationToken cancellationToken) =>
        _channel.AcknowledgeAsync(channel, deliveryTag, cancellationToken);

    /// <summary>
    /// The broker cancelled the consumer and left its channel open (a stream deleted, or a member lost): nothing more
    /// comes on it. A loss like the channel's, but the place is in doubt (<see cref="StreamPlace.ResumeFromAsync"/>).
    /// </summary>
    public void CancelledByBroker(IChannel channel)
    {
        if (!_channel.IsCurrent(channel)) return; // closed by this reader: not a loss
        _place.CancelledByBroker();
        _channel.Lose("the broker cancelled the consumer (the stream was deleted or lost a member)");
    }

    private async Task KeepAttachedAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            string reason;
            try
            {
                reason = await _channel.Lost.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            StreamReaderLog.Lost(_context.Logger, _trId, _stream, reason, _place.Offset);
            if (!await ReattachAsync(stop).ConfigureAwait(false)) return;
        }
    }

    /// <summary>After a loss: connects, attaches again where the place says and claims the keys again, with backoff until it
    /// succeeds (true) or the reader is disposed (false).</summary>
    private async Task<bool> ReattachAsync(CancellationToken stop)
    {
        var backoff = new Retry.ExponentialBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        var attached = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(backoff.Current, _context.Options.TimeProvider, stop).ConfigureAwait(false);
                await _context.Link.ConnectAsync(stop).ConfigureAwait(false);
                // Attach once; when only the claims failed (the gateway still reconnecting), retry the claims alone.
                if (!attached || _channel.Lost.IsCompleted)
                {
                    await AttachAsync(await _place.ResumeFromAsync(stop).ConfigureAwait(false), stop).ConfigureAwait(false);
                    attached = true;
                }
                await ClaimAgainAsync(stop).ConfigureAwait(false);
                StreamReaderLog.Resumed(_context.Logger, _trId, _stream, _place.Offset + 1);
                return true;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e)
            {
                StreamReaderLog.RetryFailed(_context.Logger, _trId, _stream, e.Message);
                backoff.Grow();
            }
        }
        return false;
    }

    /// <summary>After a reconnect: every key claimed again; a key KIS now refuses ends its subscriptions with the refusal.</summary>
    private async Task ClaimAgainAsync(CancellationToken cancellationToken)
    {
        foreach (var feed in _keys.Feeds)
        {
            try
            {
                await _context.Claims.ClaimAsync(_trId, feed.Key, cancellationToken, renewal: true).ConfigureAwait(false);
            }
            catch (KisSubscriptionException e)
            {
                StreamKeyTable.End(feed, e); // the consumer hears it
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        _keys.EndAll();
        await _channel.CloseAsync().ConfigureAwait(false);
        if (_keeper is not null) await _keeper.ConfigureAwait(false);
    }
}
