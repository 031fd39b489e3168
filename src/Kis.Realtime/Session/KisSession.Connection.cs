using System.Net.WebSockets;
using Kis.Realtime.Transport;

namespace Kis.Realtime.Session;

/// <summary>One live connection of a session and what is known about it.</summary>
internal sealed class ConnectionContext(WebSocketConnection connection, long id, long connectedAt, CancellationToken stop) : IDisposable
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "KisSession disposes the connection (asynchronously) when it drops the context")]
    public readonly WebSocketConnection Connection = connection;
    public readonly long Id = id;
    public readonly long ConnectedAt = connectedAt;
    /// <summary>Cancelled when the connection ends (or the watchdog gives up on it): frees a receive loop waiting on a consumer.</summary>
    public readonly CancellationTokenSource Ended = CancellationTokenSource.CreateLinkedTokenSource(stop);
    public long LastReceived = connectedAt;
    public long MessagesReceived;
    public volatile bool Stalled;

    public void Dispose() => Ended.Dispose();
}

internal sealed partial class KisSession
{
    /// <summary>Runs one connection until it ends; returns why, and whether OPSP8996 ended it.</summary>
    private async Task<(string Reason, bool AppKeyInUse)> RunConnectionAsync(ConnectionContext context)
    {
        using var owned = context;
        _router.ResetKeys(); // new notice keys come with the new registrations
        lock (_lock)
        {
            if (_stopping)
            {
                context.Connection.Abort();
                return ("stopping", false);
            }
            _current = context;
        }
        _requests.Attach(context.Connection, context.Id);

        using var watchdog = StartWatchdog(context); // before anyone hears "connected": no unwatched window
        SetState(KisConnectionState.Connected);
        TaskCompletionSource first;
        lock (_lock) first = _firstConnect;
        first.TrySetResult();

        var receive = StartReceiveThread(context);
        _ = ResubscribeAsync(context.Id);
        var result = await receive.ConfigureAwait(false);

        lock (_lock) _current = null;
        _router.Blocked.Clear(); // a consumer still full holds its records in its own overflow, in order
        // The server forgets a connection's registrations with it: requeue them before failing the requests in flight.
        _table.OnConnectionLost();
        _requests.Detach();
        await context.Ended.CancelAsync().ConfigureAwait(false);
        await context.Connection.DisposeAsync().ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Fires when the connection has been quiet for exactly <see cref="KisRealtimeOptions.LivenessTimeout"/>: a one-shot
    /// timer due at the last receipt plus the limit, moved on when something arrived meanwhile. (A periodic check every
    /// limit/4 fired up to a quarter late: 375 s for the documented 300.)
    /// </summary>
    private ITimer? StartWatchdog(ConnectionContext context)
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
            Log.Stalled(_shared.Logger, Index, quiet.TotalSeconds);
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
    private Task<(string Reason, bool AppKeyInUse)> StartReceiveThread(ConnectionContext context)
        => new ReceiverPair($"kis-receive-{Index}", pair => ReceiveOne(context, pair), e => Log.HandlerFailed(_shared.Logger, "consumer", e)).Ended;

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
                using (pair.BeginRouting()) outcome = _router.Handle(message.Data.Span, new MessageStamp(now, _time.GetUtcNow(), Reconnections));
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
                Log.SlowConsumer(_shared.Logger, Index, subscriber.Tr.Id, subscriber.Key, _options.SlowConsumerTimeout.TotalSeconds);
                subscriber.Complete(new KisSlowConsumerException(subscriber.Tr.Id, subscriber.Key, _options.SlowConsumerTimeout));
                _ = RemoveAsync(subscriber); // releases the registration if it was the last consumer
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
