using System.Net.WebSockets;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Session;

/// <summary>
/// The registration workflows of one session: subscribe, release, replay after a reconnect. Apart from
/// <see cref="KisSession"/> because they hold no state of the connection's: the table owns every registration's state,
/// and each workflow asks it after every await whether the registration is still wanted on this connection. The session
/// lends what belongs to the connection (its id, the retry wait, aborting it).
/// </summary>
internal sealed class SessionRegistrar(KisSession session, int index, TrKeyRegistrationTable table, RequestChannel requests,
    ClientShared shared, CancellationToken stop)
{
    /// <summary>Subscribe requests without a reply, in a row, after which a registration fails with <see cref="TimeoutException"/>.</summary>
    private const int MaxSubscribeTimeouts = 3;

    /// <summary>Removes a consumer; the last one out releases the registration on the server (awaiting the reply).</summary>
    /// <param name="subscriber">The consumer.</param>
    /// <param name="drain">The last one out keeps taking the registration's records until KIS has answered the release (or the
    /// request gave up): the records KIS sent before its answer reach it. Its reader must go on reading until it completes.</param>
    public async Task RemoveAsync(LocalSubscriber subscriber, bool drain = false)
    {
        var toRelease = table.Remove(subscriber, drain);
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
                table.EndDrain(toRelease);
                subscriber.Complete(null); // whatever the release did: a reader left waiting would hang
            }
        }
    }

    public async Task ResubscribeAsync(long connection)
    {
        var pending = table.Pending();
        if (pending.Count == 0) return;
        Log.Resubscribing(shared.Logger, index, pending.Count);
        foreach (var r in pending)
        {
            if (session.CurrentConnectionId != connection) return;
            await RegisterAsync(r, connection).ConfigureAwait(false);
        }
    }

    /// <summary>Registers on connection <paramref name="connection"/>; the table decides at every step.</summary>
    public async Task RegisterAsync(TrKeyRegistration registration, long connection)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (!table.TryBeginSubscribe(registration, connection)) return;
            // A wait means: requeued, try again after it on the same connection (if the table still wants it).
            if (await SubscribeOnceAsync(registration, connection, attempt).ConfigureAwait(false) is not { } wait) return;
            if (!await session.DelayAsync(wait).ConfigureAwait(false)) return;
        }
    }

    /// <summary>One subscribe request and what its answer (or its failure) makes of the registration; a wait to retry after.</summary>
    private async Task<TimeSpan?> SubscribeOnceAsync(TrKeyRegistration registration, long connection, int attempt)
    {
        using var span = KisActivities.Start(KisActivities.Subscribe, index);
        span?.SetTag("kis.tr_id", registration.Tr.Id).SetTag("kis.tr_key", registration.Key).SetTag("kis.attempt", attempt);
        ControlMessage? reply;
        AcceptOutcome? accepted = null;
        try
        {
            // The acceptance is recorded as the reply is read: a connection lost right after it must find the
            // registration accepted (and replay it as such), not still subscribing.
            reply = await requests.SendAsync(registration.Tr, registration.Key, RequestType.Subscribe, connection,
                () => table.IsStillSubscribing(registration, connection),
                r => accepted = IsAcceptance(r) ? table.Accept(registration, connection) : null, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConnectionLostException or OperationCanceledException or ObjectDisposedException)
        {
            table.Requeue(registration, connection); // replayed by the next connection
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
            table.Requeue(registration, connection);
            var delay = session.Backoff(Math.Min(attempt, 10));
            Log.ApprovalUnavailable(shared.Logger, index, e.Message, delay.TotalSeconds);
            session.Announce($"approval key unavailable: {e.Message}", delay);
            return delay;
        }
        catch (Exception e)
        {
            KisActivities.Fail(span, e);
            Log.RequestFailed(shared.Logger, index, registration.Tr.Id, registration.Key, e.Message);
            FailRegistration(registration, e);
            return null;
        }

        if (reply is null)
        {
            table.Requeue(registration, connection); // no longer wanted before it was sent: the table drops it
            return null;
        }
        if (IsAcceptance(reply))
        {
            await OnAcceptedAsync(registration, connection, accepted ?? AcceptOutcome.Stale, reply.MsgCd).ConfigureAwait(false);
            return null;
        }
        if (reply.Code == OpspCode.AppKeyInUse)
        {
            table.Requeue(registration, connection); // the session waits and replays later
            return null;
        }
        KisActivities.Fail(span, reply.MsgCd);
        return OnRefused(registration, connection, reply, attempt);
    }

    /// <summary>No reply: the connection is not working. Replace it; the registration is replayed. A key that never gets
    /// an answer must not make the session reconnect forever (rapid reconnects can lock the app key).</summary>
    private async Task OnSubscribeTimeoutAsync(TrKeyRegistration registration, long connection, AcceptOutcome? accepted, TimeoutException e)
    {
        if (table.CountTimeout(registration, connection) is not { } timeouts)
        {
            // The reply arrived as the wait timed out and the table accepted it: the acceptance stands.
            if (accepted is { } outcome) await OnAcceptedAsync(registration, connection, outcome, null).ConfigureAwait(false);
            return;
        }
        if (timeouts >= MaxSubscribeTimeouts)
        {
            Log.RequestFailed(shared.Logger, index, registration.Tr.Id, registration.Key, "no reply to repeated requests; giving up");
            FailRegistration(registration, e);
            return;
        }
        Log.RequestFailed(shared.Logger, index, registration.Tr.Id, registration.Key, "no reply in time; reconnecting");
        table.Requeue(registration, connection);
        session.AbortConnection(connection);
    }

    /// <summary>What the table made of an acceptance: active (logged when the reply is known), or released at once
    /// because nobody wants it any more, or stale (another connection's business).</summary>
    private async Task OnAcceptedAsync(TrKeyRegistration registration, long connection, AcceptOutcome outcome, string? msgCd)
    {
        switch (outcome)
        {
            case AcceptOutcome.Active:
                if (msgCd is not null) Log.Registered(shared.Logger, index, registration.Tr.Id, registration.Key, msgCd);
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
            Interlocked.Increment(ref shared.Counters.ResubscribeRefusals);
            var delay = session.Backoff(table.CountRefusal(registration));
            Log.ResubscribeRefused(shared.Logger, index, registration.Tr.Id, registration.Key, reply.MsgCd, text, delay.TotalSeconds);
            table.Requeue(registration, connection);
            return delay;
        }
        Log.Refused(shared.Logger, index, registration.Tr.Id, registration.Key, reply.MsgCd, text);
        if (reply.Code is { } code && code.IsTransient() && attempt < 2)
        {
            table.Requeue(registration, connection);
            return session.Backoff(attempt);
        }
        FailRegistration(registration, new KisSubscriptionException(registration.Tr.Id, registration.Key, reply.Code, reply.MsgCd, text));
        return null;
    }

    /// <summary>Releases on the connection it was accepted on. A release never answered stays counted until the connection ends.</summary>
    public async Task ReleaseAsync(TrKeyRegistration registration, long connection)
    {
        try
        {
            var reply = await requests.SendAsync(registration.Tr, registration.Key, RequestType.Unsubscribe, connection,
                () => table.IsStillReleasing(registration, connection), null, stop).ConfigureAwait(false);
            if (reply is null) return; // the connection ended first: the server forgot it with the connection
            if (reply.IsSuccess || reply.Code == OpspCode.UnsubscribeNotFound)
                Log.Released(shared.Logger, index, registration.Tr.Id, registration.Key, reply.MsgCd);
            else
                Log.Refused(shared.Logger, index, registration.Tr.Id, registration.Key, reply.MsgCd, Redaction.ServerText(reply.Msg1));
            table.Released(registration);
            // A slot is free: a registration waiting for one can go now.
            if (session.CurrentConnectionId == connection) _ = ResubscribeAsync(connection);
        }
        catch (TimeoutException)
        {
            Log.ReleaseUnconfirmed(shared.Logger, index, registration.Tr.Id, registration.Key);
        }
        catch (Exception e) when (e is ConnectionLostException or WebSocketException or OperationCanceledException or KisApprovalException
                                       or ObjectDisposedException)
        {
            // Lost connection (the server forgets the registration with it) or shutdown.
            Log.RequestFailed(shared.Logger, index, registration.Tr.Id, registration.Key, e.Message);
        }
    }

    private static bool IsAcceptance(ControlMessage reply) => reply.IsSuccess || reply.Code == OpspCode.AlreadySubscribed;

    public void FailRegistration(TrKeyRegistration registration, Exception error)
    {
        var subscribers = table.Fail(registration);
        if (registration.Registered.TrySetException(error)) _ = registration.Registered.Task.Exception; // observed
        foreach (var s in subscribers) s.Complete(error);
    }
}
