using System.Net.WebSockets;
using Kis.Realtime.Auth;
using Kis.Realtime.Protocol;
using Kis.Realtime.Transport;

namespace Kis.Realtime.Session;

/// <summary>A request waiting for its reply.</summary>
internal sealed class PendingRequest(string trId, string trKey, Action<ControlMessage>? onReply)
{
    /// <summary>Runs on the receive loop when the reply arrives, before anything else of that connection happens.</summary>
    public readonly Action<ControlMessage>? OnReply = onReply;
    public readonly string TrId = trId;
    public readonly string TrKey = trKey;
    public readonly TaskCompletionSource<ControlMessage> Reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The connection went away before a request got its reply; the registration is replayed on reconnect.</summary>
internal sealed class ConnectionLostException() : Exception("The connection was lost.");

/// <summary>
/// Subscribe/unsubscribe requests of one session: the approval key (reissued once on OPSP0011), pacing, sending on
/// the current connection, matching replies to requests, timeouts. Owns the pending-request list and the current
/// connection handle under <see cref="_lock"/>; one request is sent at a time (<see cref="_sendGate"/>).
/// </summary>
internal sealed class RequestChannel(int sessionIndex, KisCredential credential, KisRealtimeOptions options, ApprovalKeyProvider keys, ClientShared shared)
{
    private readonly TimeProvider _time = options.TimeProvider;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly List<PendingRequest> _pending = new();
    private WebSocketConnection? _connection;
    private long _connectionId = -1;
    private long _lastSentAt;

    /// <summary>Requests go out on this connection from now on.</summary>
    public void Attach(WebSocketConnection connection, long connectionId)
    {
        lock (_lock)
        {
            _connection = connection;
            _connectionId = connectionId;
        }
    }

    /// <summary>The connection is gone: every waiting request ends with <see cref="ConnectionLostException"/>.</summary>
    public void Detach()
    {
        List<PendingRequest> orphaned;
        lock (_lock)
        {
            _connection = null;
            _connectionId = -1;
            orphaned = [.. _pending];
            _pending.Clear();
        }
        foreach (var p in orphaned) p.Reply.TrySetException(new ConnectionLostException());
    }

    /// <summary>
    /// Sends one paced request on connection <paramref name="connectionId"/> and awaits its reply. Returns null without
    /// sending when <paramref name="stillWanted"/> says no after the awaits before the send (approval key, pacing): a
    /// request that is no longer wanted is never sent late. <paramref name="onReply"/> runs on the receive loop as the
    /// reply is matched, so its effect is in place before the connection can be seen lost.
    /// </summary>
    /// <exception cref="ConnectionLostException">Not connected (any more) on that connection.</exception>
    /// <exception cref="TimeoutException">No reply within <see cref="KisRealtimeOptions.RequestTimeout"/>.</exception>
    /// <exception cref="KisApprovalException">The approval key could not be issued.</exception>
    public async Task<ControlMessage?> SendAsync(TrDefinition tr, string key, RequestType type, long connectionId, Func<bool> stillWanted,
        Action<ControlMessage>? onReply, CancellationToken cancellationToken)
    {
        string? rejected = null;
        for (var attempt = 0; ; attempt++)
        {
            var approvalKey = await keys.GetAsync(credential, rejected, cancellationToken).ConfigureAwait(false);
            var bytes = SubscriptionRequest.ToBytes(approvalKey, options.CustomerType, type, tr.Id, key);
            PendingRequest pending;
            await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Waited again until the interval has passed: a timer may fire early (whole milliseconds, coarse OS
                // timers), and a request sent early is one KIS may refuse or count against the app key.
                TimeSpan wait;
                while (_lastSentAt != 0 && (wait = options.SubscribePacing - _time.GetElapsedTime(Volatile.Read(ref _lastSentAt))) > TimeSpan.Zero)
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), _time, cancellationToken).ConfigureAwait(false);
                if (!stillWanted()) return null;
                WebSocketConnection connection;
                lock (_lock)
                {
                    if (_connection is null || _connectionId != connectionId) throw new ConnectionLostException();
                    connection = _connection;
                    pending = new PendingRequest(tr.Id, key, onReply);
                    _pending.Add(pending); // before sending: the reply can beat the send's completion
                }
                try
                {
                    await connection.SendTextAsync(bytes, cancellationToken).ConfigureAwait(false);
                }
                catch (WebSocketException)
                {
                    lock (_lock) _pending.Remove(pending);
                    throw new ConnectionLostException();
                }
                Volatile.Write(ref _lastSentAt, _time.GetTimestamp());
            }
            finally
            {
                _sendGate.Release();
            }

            ControlMessage reply;
            try
            {
                reply = await pending.Reply.Task.WaitAsync(options.RequestTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                lock (_lock) _pending.Remove(pending);
                throw;
            }

            if (reply.Code == OpspCode.InvalidApproval && attempt == 0)
            {
                Log.ApprovalRejected(shared.Logger, sessionIndex);
                rejected = approvalKey;
                continue;
            }
            return reply;
        }
    }

    /// <summary>
    /// Hands a reply to the request it answers: by (tr_id, tr_key) when the reply names them, else (no header, or
    /// tr_id "(null)") to the oldest pending request. Returns false when it answers none.
    /// </summary>
    public bool Complete(ControlMessage reply)
    {
        PendingRequest? match = null;
        lock (_lock)
        {
            if (reply.TrId is not null)
            {
                foreach (var p in _pending)
                {
                    if (p.TrId != reply.TrId || (reply.TrKey is not null && p.TrKey != reply.TrKey)) continue;
                    match = p;
                    break;
                }
            }
            if (match is null && (reply.TrId is null || reply.TrKey is null) && _pending.Count > 0) match = _pending[0];
            if (match is not null) _pending.Remove(match);
        }
        if (match is null) return false;
        match.OnReply?.Invoke(reply);
        match.Reply.TrySetResult(reply);
        return true;
    }
}
