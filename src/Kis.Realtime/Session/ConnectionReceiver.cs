using System.Net.WebSockets;
using Kis.Realtime.Transport;

namespace Kis.Realtime.Session;

/// <summary>
/// The receiving side of a session's live connection: the receive loop, PINGPONG answers, the liveness watchdog and
/// consumers that hold the loop too long. Apart from <see cref="KisSession"/> because it runs on the receive threads and
/// the watchdog's timer and touches only the connection's own <see cref="ConnectionContext"/> and the router, never the
/// session's lock; the session starts it per connection and reads how the connection ended.
/// </summary>
internal sealed class ConnectionReceiver(KisSession session, int index, KisRealtimeOptions options, ClientShared shared, FrameRouter router)
{
    private readonly KisSession _session = session;
    private readonly int _index = index;
    private readonly KisRealtimeOptions _options = options;
    private readonly TimeProvider _time = options.TimeProvider;
    private readonly ClientShared _shared = shared;
    private readonly FrameRouter _router = router;

    /// <summary>
    /// Fires when the connection has been quiet for exactly <see cref="KisRealtimeOptions.LivenessTimeout"/>: a one-shot
    /// timer due at the last receipt plus the limit, moved on when something arrived meanwhile. (A periodic check every
    /// limit/4 fired up to a quarter late: 375 s for the documented 300.)
    /// </summary>
    public ITimer? StartWatchdog(ConnectionContext context)
    {
        if (_options.LivenessTimeout is not { } limit || limit <= TimeSpan.Zero) return null;
        var holder = new ITimer?[1]; // the callback re-arms its own timer; it cannot fire before CreateTimer returns (due in `limit`)
        var timer = _time.CreateTimer(_ =>
        {
            if (context.Connection.IsClosed) return;
            var quiet = _time.GetElapsedTime(Volatile.Read(ref context.LastReceived));
            if (quiet < limit)
            {
                try
                {
                    holder[0]?.Change(limit - quiet, Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                    // the connection ended meanwhile
                }
                return;
            }
            Log.Stalled(_shared.Logger, _index, quiet.TotalSeconds);
            context.Stalled = true;
            context.Connection.Abort();
            try
            {
                context.Ended.Cancel(); // a receive loop waiting on a Wait-mode consumer must let go too
            }
            catch (ObjectDisposedException)
            {
            }
        }, null, limit, Timeout.InfiniteTimeSpan);
        holder[0] = timer;
        return timer;
    }

    /// <summary>
    /// The receive loop runs on threads of its own that sleep in a blocking <c>recv</c> (see
    /// <see cref="WebSocketConnection"/>): the kernel wakes the one holding the loop when a frame arrives, and it decodes,
    /// routes and delivers the frame before it sleeps again. Two threads per connection take turns (see
    /// <see cref="ReceiverPair"/>); they end with the connection.
    /// </summary>
    public Task<(string Reason, bool AppKeyInUse)> Start(ConnectionContext context)
        => new ReceiverPair($"kis-receive-{_index}", pair => ReceiveOne(context, pair), e => Log.HandlerFailed(_shared.Logger, "consumer", e)).Ended;

    /// <summary>Receives and handles one message; returns why the connection ended, or null to read on.</summary>
    private (string Reason, bool AppKeyInUse)? ReceiveOne(ConnectionContext context, ReceiverPair pair)
    {
        var connection = context.Connection;
        try
        {
            var message = connection.Receive();
            if (message.Kind == ReceivedKind.Closed)
            {
                if (context.Stalled) return ("stalled", false);
                return (message.CloseStatus is { } status ? $"server closed the connection ({(int)status} {status})" : "connection dropped", false);
            }

            var now = _time.GetTimestamp();
            Volatile.Write(ref context.LastReceived, now);
            context.MessagesReceived++;
            RouteOutcome outcome;
            try
            {
                using (pair.BeginRouting()) outcome = _router.Handle(message.Data.Span, new MessageStamp(now, _time.GetUtcNow(), _session.Reconnections));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One bad message never ends the session: count it and read on.
                _shared.Counters.OnDecodeError(new Protocol.DecodeError(Protocol.DecodeErrorKind.UnknownMessage), null);
                Log.HandlerFailed(_shared.Logger, "message", e);
                outcome = RouteOutcome.Done;
            }

            // Rare paths that may wait: blocking is right on this thread (its own, not the pool's).
            if (outcome == RouteOutcome.PingPong) AnswerPingAsync(connection, message.Data).GetAwaiter().GetResult();
            if (_router.Blocked.Count > 0)
            {
                pair.PostDeferred(); // a waiting consumer must not wait for a full one to make room
                WaitForBlockedConsumersAsync(context).GetAwaiter().GetResult();
            }
            if (outcome == RouteOutcome.AppKeyInUse)
            {
                // The slot belongs to another session: close politely and wait long before trying again.
                WebSocketConnection.WaitFor(connection.SendCloseAsync(WebSocketCloseStatus.NormalClosure, CancellationToken.None));
                connection.Abort();
                return ("app key in use (OPSP8996)", true);
            }
            return null;
        }
        catch (OperationCanceledException)
        {
            return (context.Stalled ? "stalled" : "stopping", false);
        }
        catch (WebSocketException e)
        {
            // The connection was failed with 1002 (or 1009): counted, logged with the connection loss, then reconnected.
            Interlocked.Increment(ref _shared.Counters.ProtocolErrors);
            return ($"protocol error: {e.Message}", false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.HandlerFailed(_shared.Logger, "receive loop", e);
            return ($"internal error: {e.GetType().Name}", false);
        }
    }

    /// <summary>
    /// PINGPONG: by default a pong frame carrying the text (KIS's own clients' way) and the text echoed back (other
    /// clients' way); the live server accepts either (docs/kis-protocol.md §4). <paramref name="ping"/> is valid until the
    /// next receive, and both sends copy it before their first await.
    /// </summary>
    private async Task AnswerPingAsync(WebSocketConnection connection, ReadOnlyMemory<byte> ping)
    {
        try
        {
            if (_options.HeartbeatAnswer is KisHeartbeatAnswer.PongAndText or KisHeartbeatAnswer.Pong)
                await connection.SendPongAsync(ping, CancellationToken.None).ConfigureAwait(false);
            if (_options.HeartbeatAnswer is KisHeartbeatAnswer.PongAndText or KisHeartbeatAnswer.Text)
                await connection.SendTextAsync(ping, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _shared.Counters.Heartbeats);
        }
        catch (WebSocketException)
        {
            // The receive side will notice the loss.
        }
    }

    /// <summary>
    /// Wait mode: the loop reads on only when every full consumer has made room. A consumer that holds the session longer
    /// than <see cref="KisRealtimeOptions.SlowConsumerTimeout"/> is ended (typed error, counted) so the others go on.
    /// </summary>
    private async Task WaitForBlockedConsumersAsync(ConnectionContext context)
    {
        foreach (var subscriber in _router.Blocked)
        {
            var flush = subscriber.FlushAsync(context.Ended.Token).AsTask();
            try
            {
                await flush.WaitAsync(_options.SlowConsumerTimeout, _time, context.Ended.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Interlocked.Increment(ref _shared.Counters.SlowConsumers);
                _shared.Instruments.SlowConsumers.Add(1);
                Log.SlowConsumer(_shared.Logger, _index, subscriber.Tr.Id, subscriber.Key, _options.SlowConsumerTimeout.TotalSeconds);
                subscriber.Complete(new KisSlowConsumerException(subscriber.Tr.Id, subscriber.Key, _options.SlowConsumerTimeout));
                _ = _session.RemoveAsync(subscriber); // releases the registration if it was the last consumer
                try
                {
                    await flush.ConfigureAwait(false); // completion wakes it; it must end before the next delivery
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
        _router.Blocked.Clear();
    }
}
