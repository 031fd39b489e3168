using System.Net.WebSockets;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Session;

/// <summary>
/// The registration workflows: subscribe, release, replay after a reconnect, shutdown. Each one asks the table after
/// every await whether the registration is still wanted on this connection, and the table's transitions decide.
/// </summary>
internal sealed partial class KisSession
{
    /// <summary>Subscribe requests without a reply, in a row, after which a registration fails with <see cref="TimeoutException"/>.</summary>
    private const int MaxSubscribeTimeouts = 3;

    /// <summary>
    /// Adds a consumer to the table, creating the registration (Pending) when it is the first for its key. Only the
    /// table: the caller holds its placement lock, and <see cref="Start"/> (outside it) sends the request. The caller
    /// checks the session's capacity.
    /// </summary>
    public TrKeyRegistration Add(LocalSubscriber subscriber, out bool created) => _table.Add(subscriber, out created);

    /// <summary>
    /// Starts a new registration: the run loop if it is not running, and the subscribe request when connected (not
    /// connected: the connection's replay sends it, as it looks at the table after publishing the connection). The
    /// request starts on the pool: its write may block on a peer that stops reading, never the caller's thread.
    /// Call outside every lock.
    /// </summary>
    public void Start(TrKeyRegistration registration)
    {
        EnsureRunning();
        var connection = CurrentConnectionId;
        if (connection >= 0) _ = Task.Run(() => RegisterAsync(registration, connection));
    }

    /// <summary>Removes a consumer; the last one out releases the registration on the server (awaiting the reply).</summary>
    /// <param name="subscriber">The consumer.</param>
    /// <param name="drain">The last one out keeps taking the registration's records until KIS has answered the release (or the
    /// request gave up): the records KIS sent before its answer reach it. Its reader must go on reading until it completes.</param>
    public async Task RemoveAsync(LocalSubscriber subscriber, bool drain = false)
    {
        var toRelease = _table.Remove(subscriber, drain);
        // Always completed, last consumer or not: in Wait mode the receive loop may wait for room in this buffer.
        if (!drain || toRelease is null) subscriber.Complete(null);
        if (toRelease is null) return;
        try
        {
            await ReleaseAsync(toRelease, toRelease.Connection).ConfigureAwait(false);
        }
        finally
        {
            if (drain)
            {
                _table.EndDrain(toRelease);
                subscriber.Complete(null); // whatever the release did: a reader left waiting would hang
            }
        }
    }

    private async Task ResubscribeAsync(long connection)
    {
        var pending = _table.Pending();
        if (pending.Count == 0) return;
        Log.Resubscribing(_shared.Logger, Index, pending.Count);
        foreach (var r in pending)
        {
            if (CurrentConnectionId != connection) return;
            await RegisterAsync(r, connection).ConfigureAwait(false);
        }
    }

    /// <summary>Registers on connection <paramref name="connection"/>; the table decides at every step.</summary>
    private async Task RegisterAsync(TrKeyRegistration registration, long connection)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (!_table.TryBeginSubscribe(registration, connection)) return;
            // A wait means: requeued, try again after it on the same connection (if the table still wants it).
            if (await SubscribeOnceAsync(registration, connection, attempt).ConfigureAwait(false) is not { } wait) return;
            if (!await DelayAsync(wait).ConfigureAwait(false)) return;
        }
    }

    /// <summary>One subscribe request and what its answer (or its failure) makes of the registration; a wait to retry after.</summary>
    private async Task<TimeSpan?> SubscribeOnceAsync(TrKeyRegistration registration, long connection, int attempt)
    {
        using var span = KisActivities.Start(KisActivities.Subscribe, Index);
        span?.SetTag("kis.tr_id", registration.Tr.Id).SetTag("kis.tr_key", registration.Key).SetTag("kis.attempt", attempt);
        ControlMessage? reply;
        AcceptOutcome? accepted = null;
        try
        {
            // The acceptance is recorded as the reply is read: a connection lost right after it must find the
            // registration accepted (and replay it as such), not still subscribing.
            reply = await _requests.SendAsync(registration.Tr, registration.Key, RequestType.Subscribe, connection,
                () => _table.IsStillSubscribing(registration, connection),
                r => accepted = IsAcceptance(r) ? _table.Accept(registration, connection) : null, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConnectionLostException or OperationCanceledException or ObjectDisposedException)
        {
            _table.Requeue(registration, connection); // replayed by the next connection
            return null;
        }
        catch (TimeoutException e)
        {
            KisActivities.Fail(span, e);
            await OnSubscribeTimeoutAsync(registration, connection, accepted, e).ConfigureAwait(false);
            return null;
        }
        catch (KisApprovalException e) when (e.HttpStatus is null or >= 500)
        {
            // KIS's REST side is unreachable or failing: not a refusal. Keep the registration and retry with backoff.
            _table.Requeue(registration, connection);
            var delay = Backoff(Math.Min(attempt, 10));
            Log.ApprovalUnavailable(_shared.Logger, Index, e.Message, delay.TotalSeconds);
            Announce($"approval key unavailable: {e.Message}", delay);
            return delay;
        }
        catch (Exception e)
        {
            KisActivities.Fail(span, e);
            Log.RequestFailed(_shared.Logger, Index, registration.Tr.Id, registration.Key, e.Message);
            FailRegistration(registration, e);
            return null;
        }

        if (reply is null)
        {
            _table.Requeue(registration, connection); // no longer wanted before it was sent: the table drops it
            return null;
        }
        if (IsAcceptance(reply))
        {
            await OnAcceptedAsync(registration, connection, accepted ?? AcceptOutcome.Stale, reply.MsgCd).ConfigureAwait(false);
            return null;
        }
        if (reply.Code == OpspCode.AppKeyInUse)
        {
            _table.Requeue(registration, connection); // the session waits and replays later
            return null;
        }
        KisActivities.Fail(span, reply.MsgCd);
        return OnRefused(registration, connection, reply, attempt);
    }

    /// <summary>No reply: the connection is not working. Replace it; the registration is replayed. A key that never gets
    /// an answer must not make the session reconnect forever (rapid reconnects can lock the app key).</summary>
    private async Task OnSubscribeTimeoutAsync(TrKeyRegistration registration, long connection, AcceptOutcome? accepted, TimeoutException e)
    {
        if (_table.CountTimeout(registration, connection) is not { } timeouts)
        {
            // The reply arrived as the wait timed out and the table accepted it: the acceptance stands.
            if (accepted is { } outcome) await OnAcceptedAsync(registration, connection, outcome, null).ConfigureAwait(false);
            return;
        }
        if (timeouts >= MaxSubscribeTimeouts)
        {
            Log.RequestFailed(_shared.Logger, Index, registration.Tr.Id, registration.Key, "no reply to repeated requests; giving up");
            FailRegistration(registration, e);
            return;
        }
        Log.RequestFailed(_shared.Logger, Index, registration.Tr.Id, registration.Key, "no reply in time; reconnecting");
        _table.Requeue(registration, connection);
        AbortConnection(connection);
    }

    /// <summary>What the table made of an acceptance: active (logged when the reply is known), or released at once
    /// because nobody wants it any more, or stale (another connection's business).</summary>
    private async Task OnAcceptedAsync(TrKeyRegistration registration, long connection, AcceptOutcome outcome, string? msgCd)
    {
        switch (outcome)
        {
            case AcceptOutcome.Active:
                if (msgCd is not null) Log.Registered(_shared.Logger, Index, registration.Tr.Id, registration.Key, msgCd);
                registration.Registered.TrySetResult();
                return;
            case AcceptOutcome.ReleaseNeeded:
                await ReleaseAsync(registration, connection).ConfigureAwait(false);
                return;
            default:
                return;
        }
    }

    /// <summary>A refusal: retried with backoff when KIS had accepted it before (or the code is transient), else final.</summary>
    private TimeSpan? OnRefused(TrKeyRegistration registration, long connection, ControlMessage reply, int attempt)
    {
        var text = Redaction.ServerText(reply.Msg1);
        if (registration.EverAccepted)
        {
            // KIS had accepted it before the reconnect; a refusal now (e.g. OPSP0008 while the old session's
            // registrations are still held) is not the user's error: retry with backoff, visibly.
            Interlocked.Increment(ref _shared.Counters.ResubscribeRefusals);
            var delay = Backoff(_table.CountRefusal(registration));
            Log.ResubscribeRefused(_shared.Logger, Index, registration.Tr.Id, registration.Key, reply.MsgCd, text, delay.TotalSeconds);
            _table.Requeue(registration, connection);
            return delay;
        }
        Log.Refused(_shared.Logger, Index, registration.Tr.Id, registration.Key, reply.MsgCd, text);
        if (reply.Code is { } code && code.IsTransient() && attempt < 2)
        {
            _table.Requeue(registration, connection);
            return Backoff(attempt);
        }
        FailRegistration(registration, new KisSubscriptionException(registration.Tr.Id, registration.Key, reply.Code, reply.MsgCd, text));
        return null;
    }

    /// <summary>Releases on the connection it was accepted on. A release never answered stays counted until the connection ends.</summary>
    private async Task ReleaseAsync(TrKeyRegistration registration, long connection)
    {
        try
        {
            var reply = await _requests.SendAsync(registration.Tr, registration.Key, RequestType.Unsubscribe, connection,
                () => _table.IsStillReleasing(registration, connection), null, _stop.Token).ConfigureAwait(false);
            if (reply is null) return; // the connection ended first: the server forgot it with the connection
            if (reply.IsSuccess || reply.Code == OpspCode.UnsubscribeNotFound)
                Log.Released(_shared.Logger, Index, registration.Tr.Id, registration.Key, reply.MsgCd);
            else
                Log.Refused(_shared.Logger, Index, registration.Tr.Id, registration.Key, reply.MsgCd, Redaction.ServerText(reply.Msg1));
            _table.Released(registration);
            // A slot is free: a registration waiting for one can go now.
            if (CurrentConnectionId == connection) _ = ResubscribeAsync(connection);
        }
        catch (TimeoutException)
        {
            Log.ReleaseUnconfirmed(_shared.Logger, Index, registration.Tr.Id, registration.Key);
        }
        catch (Exception e) when (e is ConnectionLostException or WebSocketException or OperationCanceledException or KisApprovalException
                                       or ObjectDisposedException)
        {
            // Lost connection (the server forgets the registration with it) or shutdown.
            Log.RequestFailed(_shared.Logger, Index, registration.Tr.Id, registration.Key, e.Message);
        }
    }

    private static bool IsAcceptance(ControlMessage reply) => reply.IsSuccess || reply.Code == OpspCode.AlreadySubscribed;

    private void FailRegistration(TrKeyRegistration registration, Exception error)
    {
        var subscribers = _table.Fail(registration);
        if (registration.Registered.TrySetException(error)) _ = registration.Registered.Task.Exception; // observed
        foreach (var s in subscribers) s.Complete(error);
    }

    private void AbortConnection(long connection)
    {
        lock (_lock)
            if (_current?.Id == connection) _current.Connection.Abort();
    }

    /// <summary>Graceful shutdown: releases every registration (tr_type 2), sends a close frame, stops reconnecting.</summary>
    public async ValueTask DisposeAsync()
    {
        ConnectionContext? current;
        TaskCompletionSource first;
        lock (_lock)
        {
            if (_stopping) return;
            _stopping = true;
            current = _current;
            first = _firstConnect;
        }

        var (toRelease, ended, subscribers) = _table.BeginShutdown();
        foreach (var s in subscribers) s.Complete(null);
        // A subscription still waiting for its first reply must not wait forever: its first MoveNextAsync ends with
        // ObjectDisposedException.
        foreach (var r in ended)
            if (r.Registered.TrySetException(new ObjectDisposedException(nameof(KisRealtimeClient)))) _ = r.Registered.Task.Exception;

        if (current is not null)
        {
            // Releasing keeps KIS from holding the app key "in use" (OPSP8996) after we are gone. Requests in flight are
            // answered first (a subscribe accepted now is released at once).
            var releases = Task.WhenAll(toRelease.Select(r => ReleaseAsync(r, current.Id)).Append(_table.WhenSettled));
            try
            {
                await releases.WaitAsync(_options.CloseTimeout, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            await current.Connection.SendCloseAsync(WebSocketCloseStatus.NormalClosure, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            _stop.Cancel(); // connecting or waiting to reconnect: nothing to close politely, stop at once
        }

        Task? run;
        lock (_lock) run = _run;
        if (run is not null)
        {
            try
            {
                await run.WaitAsync(_options.CloseTimeout, _time).ConfigureAwait(false); // ends when the server answers the close
            }
            catch (Exception)
            {
            }
        }
        _stop.Cancel();
        current?.Connection.Abort();
        if (run is not null)
        {
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (Exception)
            {
            }
        }
        lock (_lock) first = _firstConnect; // the latest: a failed first connect replaces it
        if (first.TrySetException(new ObjectDisposedException(nameof(KisRealtimeClient)))) _ = first.Task.Exception;
        SetState(KisConnectionState.Closed, "disposed");
        _router.Dispose();
    }
}
