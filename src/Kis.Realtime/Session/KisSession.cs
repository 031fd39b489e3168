using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kis.Realtime.Auth;
using Kis.Realtime.Protocol;
using Kis.Realtime.Transport;
using Kis.Realtime.Trs;

namespace Kis.Realtime.Session;

/// <summary>A registration (one TR key on the server) and its local consumers.</summary>
internal sealed class Registration(TrDefinition tr, string key)
{
    public readonly TrDefinition Tr = tr;
    public readonly string Key = key;
    public volatile Subscriber[] Subscribers = [];
    /// <summary>Completes on the first successful reply; fails when the server refuses the first request.</summary>
    public readonly TaskCompletionSource Registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>The connection epoch on which a subscribe request was last sent.</summary>
    public int SentEpoch = -1;
    public bool Active;
    public bool Removed;
    /// <summary>Subscribe requests in a row that got no reply (each one replaced the connection).</summary>
    public int Timeouts;
}

/// <summary>(TR, key) identity of a registration: HTS IDs compare without regard to case, other keys exactly.</summary>
internal sealed class RegistrationKeyComparer : IEqualityComparer<(TrId TrId, string Key)>
{
    public static readonly RegistrationKeyComparer Instance = new();

    private static StringComparer For(TrId trId) =>
        KisTrs.TryGet(trId, out var tr) && tr.KeyFormat == TrKeyFormat.HtsId ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    public bool Equals((TrId TrId, string Key) x, (TrId TrId, string Key) y) => x.TrId == y.TrId && For(x.TrId).Equals(x.Key, y.Key);

    public int GetHashCode((TrId TrId, string Key) obj) => HashCode.Combine(obj.TrId, For(obj.TrId).GetHashCode(obj.Key));
}

/// <summary>A request waiting for its reply.</summary>
internal sealed class PendingRequest(string trId, string trKey, RequestType type, int epoch)
{
    public readonly string TrId = trId;
    public readonly string TrKey = trKey;
    public readonly RequestType Type = type;
    public readonly int Epoch = epoch;
    public readonly TaskCompletionSource<ControlMessage> Reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The connection went away before a request got its reply; the registration is replayed on reconnect.</summary>
internal sealed class ConnectionLostException() : Exception("The connection was lost.");

/// <summary>
/// One KIS session (one app key): connects, keeps the registrations, answers PINGPONG, routes records to
/// subscribers, and on any loss reconnects with backoff and replays every registration.
/// Threading: one receive loop per connection; subscribe/unsubscribe from any thread under <see cref="_gate"/>;
/// the receive loop reads an immutable routing snapshot, so routing takes no lock.
/// </summary>
internal sealed class KisSession : IAsyncDisposable
{
    private readonly KisCredential _credential;
    private readonly KisRealtimeOptions _options;
    private readonly ApprovalKeyProvider _keys;
    private readonly ClientShared _shared;
    private readonly TimeProvider _time;
    private readonly Uri _url;
    private readonly Action<KisStateChangedEventArgs> _onStateChanged;

    private readonly Lock _gate = new();
    private readonly Dictionary<(TrId, string), Registration> _registrations = new(RegistrationKeyComparer.Instance);
    private volatile Dictionary<TrId, Dictionary<string, Registration>> _routes = new();
    private readonly List<PendingRequest> _pending = new();
    private readonly FrameDecoder _decoder = new();
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Subscriber> _blocked = new();

    private WebSocketConnection? _connection;
    private int _epoch;
    private long _nextSendAt;
    private long _lastReceived;
    private int _state = (int)KisConnectionState.Closed;
    private volatile bool _appKeyInUse;
    private volatile bool _stopping;
    private Task? _run;
    private bool _running; // under _gate: a run loop is active

    public KisSession(int index, KisCredential credential, KisRealtimeOptions options, ApprovalKeyProvider keys, ClientShared shared,
        Action<KisStateChangedEventArgs> onStateChanged)
    {
        Index = index;
        _credential = credential;
        _options = options;
        _keys = keys;
        _shared = shared;
        _time = options.TimeProvider;
        _url = options.EffectiveWebSocketUrl;
        _onStateChanged = onStateChanged;
    }

    public int Index { get; }

    public KisConnectionState State => (KisConnectionState)Volatile.Read(ref _state);

    public bool Started => _run is not null;

    /// <summary>Registrations held or being made (what counts against KIS's 41).</summary>
    public int RegistrationCount
    {
        get
        {
            lock (_gate) return _registrations.Count;
        }
    }

    // ---------------------------------------------------------------- state

    private void SetState(KisConnectionState next, string? reason = null, OpspCode? code = null, TimeSpan? retryIn = null)
    {
        var previous = (KisConnectionState)Interlocked.Exchange(ref _state, (int)next);
        if (previous == next && reason is null) return;
        Log.StateChanged(_shared.Logger, Index, _credential.MaskedAppKey, previous, next, reason);
        try
        {
            _onStateChanged(new KisStateChangedEventArgs(Index, _credential.MaskedAppKey, previous, next, reason, code, retryIn));
        }
        catch (Exception e)
        {
            Log.HandlerFailed(_shared.Logger, "StateChanged", e);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /// <summary>Starts the connect/reconnect loop once.</summary>
    public void EnsureStarted()
    {
        lock (_gate)
        {
            if (_running || _stopping) return;
            // After a faulted first connect, a new attempt (ConnectAsync or a subscription) starts over.
            if (_run is not null) _firstConnect = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _running = true;
            SetState(KisConnectionState.Connecting);
            _run = Task.Run(RunAsync);
        }
    }

    /// <summary>Completes when the first connection is up; throws when it failed and retrying is off.</summary>
    public Task WhenFirstConnected
    {
        get
        {
            lock (_gate) return _firstConnect.Task;
        }
    }

    private async Task RunAsync()
    {
        TaskCompletionSource firstConnect;
        lock (_gate) firstConnect = _firstConnect;
        var failures = 0;
        var everConnected = false;
        while (!_stopping)
        {
            WebSocketConnection connection;
            try
            {
                using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stop.Token);
                connection = await WebSocketConnection.ConnectAsync(_url, _options.MaxMessageSize, linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!_stopping)
            {
                var error = e is OperationCanceledException ? $"timed out after {_options.ConnectTimeout.TotalSeconds:0.#} s" : e.Message;
                Log.ConnectFailed(_shared.Logger, Index, _url, error);
                if (!everConnected && !_options.RetryOnInitialConnect)
                {
                    var fault = new WebSocketException(WebSocketError.Faulted, $"Could not connect to {_url}: {error}", e);
                    FailAll(fault);
                    lock (_gate) _running = false; // before reporting, so a retry right after the exception starts over
                    SetState(KisConnectionState.Faulted, $"could not connect to {_url}: {error}");
                    firstConnect.TrySetException(fault);
                    return;
                }
                var delay = Backoff(failures++);
                SetState(everConnected ? KisConnectionState.Reconnecting : KisConnectionState.Connecting, $"connect failed: {error}", retryIn: delay);
                if (!await DelayAsync(delay).ConfigureAwait(false)) break;
                continue;
            }
            catch (Exception)
            {
                break; // stopping
            }

            List<Registration> replay;
            int epoch;
            lock (_gate)
            {
                if (_stopping)
                {
                    _ = connection.DisposeAsync();
                    break;
                }
                // A new connection means new notice keys: forget the old ones before any reply can arrive.
                _decoder.Reset();
                _connection = connection;
                epoch = ++_epoch;
                _lastReceived = _time.GetTimestamp();
                foreach (var r in _registrations.Values) r.Active = false;
                replay = _registrations.Values.ToList();
            }

            if (everConnected)
            {
                Interlocked.Increment(ref _shared.Reconnects);
                KisMetrics.Reconnects.Add(1);
            }
            everConnected = true;
            _appKeyInUse = false;
            var connectedAt = _time.GetTimestamp();
            _stalled = false;
            using var watchdog = StartWatchdog(connection); // before anyone hears "connected": no unwatched window
            SetState(KisConnectionState.Connected);
            firstConnect.TrySetResult();

            var receive = ReceiveLoopAsync(connection);
            if (replay.Count > 0) _ = ResubscribeAsync(replay, epoch);
            var lostReason = await receive.ConfigureAwait(false);

            List<PendingRequest> orphaned;
            lock (_gate)
            {
                _connection = null;
                orphaned = _pending.ToList();
                _pending.Clear();
                foreach (var r in _registrations.Values) r.Active = false;
            }
            foreach (var p in orphaned) p.Reply.TrySetException(new ConnectionLostException());
            await connection.DisposeAsync().ConfigureAwait(false);
            if (_stopping) break;

            Log.ConnectionLost(_shared.Logger, Index, lostReason);
            TimeSpan wait;
            if (_appKeyInUse)
            {
                wait = Jitter(_options.AppKeyInUseRetryDelay);
                Log.AppKeyInUse(_shared.Logger, Index, _credential.MaskedAppKey, wait.TotalSeconds);
                SetState(KisConnectionState.Reconnecting, "app key in use by another session (OPSP8996)", OpspCode.AppKeyInUse, wait);
            }
            else
            {
                if (_time.GetElapsedTime(connectedAt) >= StableConnection) failures = 0;
                wait = Backoff(failures++);
                SetState(KisConnectionState.Reconnecting, lostReason, retryIn: wait);
            }
            if (!await DelayAsync(wait).ConfigureAwait(false)) break;
        }
    }

    /// <summary>A connection that lasted this long resets the backoff; a flapping one keeps doubling it.</summary>
    private static readonly TimeSpan StableConnection = TimeSpan.FromSeconds(1);

    /// <summary>Subscribe requests without a reply, in a row, after which a registration fails with <see cref="TimeoutException"/>.</summary>
    private const int MaxSubscribeTimeouts = 3;

    private TimeSpan Backoff(int failures) => ComputeBackoff(failures, _options.ReconnectMinDelay, _options.ReconnectMaxDelay, Random.Shared.NextDouble());

    /// <summary>min × 2^failures, capped at max, then ±20 % jitter (<paramref name="random01"/> in [0, 1)).</summary>
    internal static TimeSpan ComputeBackoff(int failures, TimeSpan min, TimeSpan max, double random01)
    {
        var ms = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures, 0, 30)));
        return Jitter(TimeSpan.FromMilliseconds(ms), random01);
    }

    // ±20 %: sessions dropped together (a server restart) must not come back in lockstep.
    private static TimeSpan Jitter(TimeSpan delay, double random01) => delay * (0.8 + random01 * 0.4);

    private static TimeSpan Jitter(TimeSpan delay) => Jitter(delay, Random.Shared.NextDouble());

    private async Task<bool> DelayAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stop.Token).ConfigureAwait(false);
            return !_stopping;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private ITimer? StartWatchdog(WebSocketConnection connection)
    {
        if (_options.LivenessTimeout is not { } limit || limit <= TimeSpan.Zero) return null;
        var period = limit / 4;
        return _time.CreateTimer(_ =>
        {
            var quiet = _time.GetElapsedTime(Volatile.Read(ref _lastReceived));
            if (quiet <= limit || connection.IsClosed) return;
            Log.Stalled(_shared.Logger, Index, quiet.TotalSeconds);
            _stalled = true;
            connection.Abort();
        }, null, period, period);
    }

    private volatile bool _stalled;

    // ---------------------------------------------------------------- receive

    private async Task<string> ReceiveLoopAsync(WebSocketConnection connection)
    {
        await Task.Yield(); // let the caller start the resubscription while this loop runs
        try
        {
            while (true)
            {
                var message = await connection.ReceiveAsync(CancellationToken.None).ConfigureAwait(false);
                if (message.Kind == ReceivedKind.Closed)
                {
                    if (_stalled) return "stalled";
                    return message.CloseStatus is { } status ? $"server closed the connection ({(int)status} {status})" : "connection dropped";
                }

                Volatile.Write(ref _lastReceived, _time.GetTimestamp());
                var stamp = new MessageStamp(_time.GetTimestamp(), _time.GetUtcNow());
                byte[]? echo;
                try
                {
                    echo = Handle(message.Data.Span, stamp);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // One bad message never ends the session: count it and read on.
                    _shared.OnDecodeError(new DecodeError(DecodeErrorKind.UnknownMessage), null);
                    Log.HandlerFailed(_shared.Logger, "message", e);
                    echo = null;
                }
                if (echo is not null)
                {
                    // PINGPONG: KIS wants the same text back as a text frame (not a pong control frame).
                    try
                    {
                        await connection.SendTextAsync(echo, CancellationToken.None).ConfigureAwait(false);
                        Interlocked.Increment(ref _shared.Heartbeats);
                    }
                    catch (WebSocketException)
                    {
                        // The receive side will notice the loss.
                    }
                }

                if (_blocked.Count > 0)
                {
                    foreach (var s in _blocked) await s.FlushAsync(_stop.Token).ConfigureAwait(false);
                    _blocked.Clear();
                }

                if (_appKeyInUse)
                {
                    // The slot belongs to another session: close politely and wait long before trying again.
                    await connection.SendCloseAsync(WebSocketCloseStatus.NormalClosure, CancellationToken.None).ConfigureAwait(false);
                    connection.Abort();
                    return "app key in use (OPSP8996)";
                }
            }
        }
        catch (OperationCanceledException)
        {
            return "stopping";
        }
        catch (WebSocketException e)
        {
            return $"protocol error: {e.Message}";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.HandlerFailed(_shared.Logger, "receive loop", e);
            return $"internal error: {e.GetType().Name}";
        }
    }

    /// <summary>Handles one message synchronously; returns the bytes to echo for a PINGPONG.</summary>
    private byte[]? Handle(ReadOnlySpan<byte> message, in MessageStamp stamp)
    {
        Interlocked.Increment(ref _shared.Messages);
        Interlocked.Add(ref _shared.Bytes, message.Length);
        KisMetrics.Bytes.Add(message.Length);
        if (_shared.HasRawTaps) _shared.PublishRaw(Index, stamp.ReceivedAt, message);

        switch (DataFrame.Classify(message))
        {
            case MessageKind.Data:
                HandleData(message, stamp);
                return null;
            case MessageKind.Control:
                Interlocked.Increment(ref _shared.Controls);
                if (!ControlMessage.TryParse(message, out var control))
                {
                    _shared.OnDecodeError(new DecodeError(DecodeErrorKind.BadControlMessage), null);
                    return null;
                }
                if (control.Kind == ControlMessageKind.PingPong) return message.ToArray();
                if (control.Kind == ControlMessageKind.Reply) HandleReply(control);
                return null;
            default:
                _shared.OnDecodeError(new DecodeError(message.IsEmpty ? DecodeErrorKind.Empty : DecodeErrorKind.UnknownMessage), null);
                return null;
        }
    }

    private void HandleData(ReadOnlySpan<byte> message, in MessageStamp stamp)
    {
        Interlocked.Increment(ref _shared.Frames);
        KisMetrics.Frames.Add(1);
        if (!DataFrame.TryParse(message, out var frame, out var error))
        {
            _shared.OnDecodeError(error, null);
            return;
        }
        if (!_decoder.TryOpen(frame, out var tr, out var records, out error))
        {
            _shared.OnDecodeError(error, null);
            return;
        }

        Interlocked.Add(ref _shared.Records, frame.RecordCount);
        KisMetrics.Records.Add(frame.RecordCount);
        _routes.TryGetValue(frame.TrId, out var byKey);
        if (byKey is null)
        {
            Interlocked.Add(ref _shared.Unrouted, frame.RecordCount);
            return;
        }

        // Pass 1: route each record by its first field (data frames carry no tr_key). Records are contiguous, so
        // each is remembered as an offset from the first record's start.
        var lookup = byKey.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> keyChars = stackalloc char[32];
        scoped ref byte origin = ref Unsafe.NullRef<byte>();
        var regionLength = 0;
        long unrouted = 0;
        _routed.Clear();
        while (records.TryNext(out var record))
        {
            if (Unsafe.IsNullRef(ref origin)) origin = ref MemoryMarshal.GetReference(record);
            var offset = (int)Unsafe.ByteOffset(ref origin, ref MemoryMarshal.GetReference(record));
            regionLength = offset + record.Length;
            var end = record.IndexOf((byte)'^');
            var keyBytes = end < 0 ? record : record[..end];
            Registration? registration = null;
            if (keyBytes.Length <= keyChars.Length)
            {
                for (var i = 0; i < keyBytes.Length; i++) keyChars[i] = (char)keyBytes[i];
                lookup.TryGetValue(keyChars[..keyBytes.Length], out registration);
            }
            if (registration is null) unrouted++;
            else _routed.Add((registration, offset, record.Length));
        }
        if (unrouted > 0) Interlocked.Add(ref _shared.Unrouted, unrouted);
        if (_routed.Count == 0) return;

        // Pass 2: one copy of the frame's plain records (the receive buffer and the decryption buffer are reused),
        // shared by every record and subscriber; consumers decode their slices on their own threads.
        var copy = MemoryMarshal.CreateReadOnlySpan(ref origin, regionLength).ToArray();
        long delivered = 0;
        foreach (var (registration, offset, length) in _routed)
        {
            var pending = new PendingRecord(tr, copy, offset, length, stamp.Timestamp, stamp.ReceivedAt);
            foreach (var subscriber in registration.Subscribers)
            {
                delivered++;
                if (!subscriber.Deliver(pending) && !_blocked.Contains(subscriber)) _blocked.Add(subscriber);
            }
        }
        _routed.Clear();
        if (delivered > 0) Interlocked.Add(ref _shared.Delivered, delivered);
    }

    private readonly List<(Registration Registration, int Offset, int Length)> _routed = new();

    private void HandleReply(ControlMessage reply)
    {
        _decoder.Learn(reply);

        PendingRequest? match = null;
        lock (_gate)
        {
            // Replies may lack a header or say tr_id "(null)": match by (tr_id, tr_key) when present, else the oldest.
            if (reply.TrId is not null)
                match = _pending.Find(p => p.TrId == reply.TrId && (reply.TrKey is null || p.TrKey == reply.TrKey));
            if (match is null && (reply.TrId is null || reply.TrKey is null) && _pending.Count > 0) match = _pending[0];
            if (match is not null) _pending.Remove(match);
        }
        // OPSP8996 ends this session only when it answers one of its requests, or comes the way the live server sends it
        // (tr_id "(null)" or no header): a stray reply naming a request this session does not have is not about it.
        if (reply.Code == OpspCode.AppKeyInUse && (match is not null || reply.TrId is null)) _appKeyInUse = true;
        if (match is null)
        {
            Log.UnmatchedReply(_shared.Logger, Index, $"{reply.TrId} {reply.TrKey} rt_cd={reply.RtCd} {reply.MsgCd} {Redaction.ServerText(reply.Msg1)}");
            return;
        }
        match.Reply.TrySetResult(reply);
    }

    // ---------------------------------------------------------------- requests

    /// <summary>Sends one paced request and awaits its reply; reissues the approval key once on OPSP0011.</summary>
    private async Task<ControlMessage> RequestAsync(TrDefinition tr, string key, RequestType type, CancellationToken cancellationToken)
    {
        string? rejected = null;
        for (var attempt = 0; ; attempt++)
        {
            var approvalKey = await _keys.GetAsync(_credential, rejected, cancellationToken).ConfigureAwait(false);
            var bytes = SubscriptionRequest.ToBytes(approvalKey, _options.CustomerType, type, tr.Id, key);
            PendingRequest pending;
            await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var wait = _options.SubscribePacing - _time.GetElapsedTime(Volatile.Read(ref _nextSendAt));
                if (_nextSendAt != 0 && wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                WebSocketConnection? connection;
                lock (_gate)
                {
                    connection = _connection;
                    if (connection is null) throw new ConnectionLostException();
                    pending = new PendingRequest(tr.Id, key, type, _epoch);
                    _pending.Add(pending); // before sending: the reply can beat the send's completion
                }
                try
                {
                    await connection.SendTextAsync(bytes, cancellationToken).ConfigureAwait(false);
                }
                catch (WebSocketException)
                {
                    lock (_gate) _pending.Remove(pending);
                    throw new ConnectionLostException();
                }
                Volatile.Write(ref _nextSendAt, _time.GetTimestamp());
            }
            finally
            {
                _sendGate.Release();
            }

            ControlMessage reply;
            try
            {
                reply = await pending.Reply.Task.WaitAsync(_options.RequestTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                lock (_gate) _pending.Remove(pending);
                throw;
            }

            if (reply.Code == OpspCode.InvalidApproval && attempt == 0)
            {
                Log.ApprovalRejected(_shared.Logger, Index);
                rejected = approvalKey;
                continue;
            }
            return reply;
        }
    }

    /// <summary>Registers on the current connection. Failures the server gives are final for the registration.</summary>
    private async Task RegisterAsync(Registration registration, int epoch)
    {
        for (var attempt = 0; ; attempt++)
        {
            lock (_gate)
            {
                if (registration.Removed || _epoch != epoch || _connection is null) return;
                registration.SentEpoch = epoch;
            }

            ControlMessage reply;
            try
            {
                reply = await RequestAsync(registration.Tr, registration.Key, RequestType.Subscribe, _stop.Token).ConfigureAwait(false);
            }
            catch (ConnectionLostException)
            {
                return; // replayed after the reconnect
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (TimeoutException e)
            {
                // No reply: the connection is not working. Replace it; the registration is replayed. A key that never
                // gets an answer must not make the session reconnect forever (rapid reconnects can lock the app key).
                if (Interlocked.Increment(ref registration.Timeouts) >= MaxSubscribeTimeouts)
                {
                    Log.RequestFailed(_shared.Logger, Index, registration.Tr.Id, registration.Key, "no reply to repeated requests; giving up");
                    Fail(registration, e);
                    return;
                }
                Log.RequestFailed(_shared.Logger, Index, registration.Tr.Id, registration.Key, "no reply in time; reconnecting");
                lock (_gate) _connection?.Abort();
                return;
            }
            catch (KisApprovalException e) when (e.HttpStatus is null or >= 500)
            {
                // KIS's REST side is unreachable or failing: not a refusal. Keep the registration and retry with backoff.
                Log.RequestFailed(_shared.Logger, Index, registration.Tr.Id, registration.Key, e.Message);
                if (!await DelayAsync(Backoff(Math.Min(attempt, 10))).ConfigureAwait(false)) return;
                continue;
            }
            catch (Exception e)
            {
                Log.RequestFailed(_shared.Logger, Index, registration.Tr.Id, registration.Key, e.Message);
                Fail(registration, e);
                return;
            }

            registration.Timeouts = 0;
            if (reply.IsSuccess || reply.Code == OpspCode.AlreadySubscribed)
            {
                lock (_gate) registration.Active = !registration.Removed;
                Log.Registered(_shared.Logger, Index, registration.Tr.Id, registration.Key, reply.MsgCd);
                registration.Registered.TrySetResult();
                return;
            }
            if (reply.Code == OpspCode.AppKeyInUse) return; // the session waits and replays later

            Log.Refused(_shared.Logger, Index, registration.Tr.Id, registration.Key, reply.MsgCd, Redaction.ServerText(reply.Msg1));
            if (reply.Code is { } code && code.IsTransient() && attempt < 2)
            {
                if (!await DelayAsync(Backoff(attempt)).ConfigureAwait(false)) return;
                continue;
            }
            Fail(registration, new KisSubscriptionException(registration.Tr.Id, registration.Key, reply.Code, reply.MsgCd, Redaction.ServerText(reply.Msg1)));
            return;
        }
    }

    private void Fail(Registration registration, Exception error)
    {
        Subscriber[] subscribers;
        lock (_gate)
        {
            if (registration.Removed) return;
            registration.Removed = true;
            _registrations.Remove((registration.Tr.TrId, registration.Key));
            RebuildRoutes();
            subscribers = registration.Subscribers;
            registration.Subscribers = [];
        }
        registration.Registered.TrySetException(error);
        foreach (var s in subscribers) s.Complete(error);
    }

    private void FailAll(Exception error)
    {
        List<Registration> all;
        lock (_gate) all = _registrations.Values.ToList();
        foreach (var r in all) Fail(r, error);
    }

    private async Task ResubscribeAsync(List<Registration> registrations, int epoch)
    {
        Log.Resubscribing(_shared.Logger, Index, registrations.Count);
        foreach (var r in registrations)
        {
            if (_stopping) return;
            await RegisterAsync(r, epoch).ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- subscribers

    /// <summary>True when this session holds (tr, key).</summary>
    public bool Holds(TrDefinition tr, string key)
    {
        lock (_gate) return _registrations.ContainsKey((tr.TrId, key));
    }

    /// <summary>
    /// Adds a subscriber, creating the registration when it is the first for (tr, key). Returns the task that
    /// completes when the server has accepted the registration. The caller checks the session's capacity.
    /// </summary>
    public Task Add(Subscriber subscriber)
    {
        Registration? registration;
        int epoch;
        bool send;
        lock (_gate)
        {
            if (_stopping) throw new ObjectDisposedException(nameof(KisRealtimeClient));
            var id = (subscriber.Tr.TrId, subscriber.Key);
            if (_registrations.TryGetValue(id, out registration))
            {
                registration.Subscribers = [.. registration.Subscribers, subscriber];
                return registration.Registered.Task;
            }
            registration = new Registration(subscriber.Tr, subscriber.Key) { Subscribers = [subscriber] };
            _registrations.Add(id, registration);
            RebuildRoutes();
            // Not connected: the connect path replays every registration, this one included.
            send = _connection is not null;
            epoch = _epoch;
        }
        EnsureStarted();
        if (send) _ = RegisterAsync(registration, epoch);
        return registration.Registered.Task;
    }

    /// <summary>Removes a subscriber; the last one out releases the registration on the server (awaiting the reply).</summary>
    public async Task RemoveAsync(Subscriber subscriber)
    {
        Registration? registration;
        bool release;
        lock (_gate)
        {
            if (!_registrations.TryGetValue((subscriber.Tr.TrId, subscriber.Key), out registration)) return;
            if (!registration.Subscribers.Contains(subscriber)) return;
            registration.Subscribers = registration.Subscribers.Where(s => s != subscriber).ToArray();
            release = false;
            if (registration.Subscribers.Length == 0)
            {
                registration.Removed = true;
                _registrations.Remove((subscriber.Tr.TrId, subscriber.Key));
                release = _connection is not null && registration.SentEpoch == _epoch && !_stopping;
            }
            RebuildRoutes();
        }
        // Always completed, last consumer or not: in Wait mode the receive loop may be waiting for room in this
        // subscriber's buffer, and only completion (or consumption) wakes it.
        subscriber.Complete(null);
        if (release) await ReleaseAsync(registration).ConfigureAwait(false);
    }

    private async Task ReleaseAsync(Registration registration)
    {
        try
        {
            var reply = await RequestAsync(registration.Tr, registration.Key, RequestType.Unsubscribe, CancellationToken.None).ConfigureAwait(false);
            if (reply.IsSuccess || reply.Code == OpspCode.UnsubscribeNotFound)
                Log.Released(_shared.Logger, Index, registration.Tr.Id, registration.Key, reply.MsgCd);
            else
                Log.Refused(_shared.Logger, Index, registration.Tr.Id, registration.Key, reply.MsgCd, Redaction.ServerText(reply.Msg1));
        }
        catch (Exception e) when (e is ConnectionLostException or TimeoutException or WebSocketException or OperationCanceledException
                                       or KisApprovalException or ObjectDisposedException)
        {
            // Lost connection (or the client is being disposed): the server forgets the registration with it.
            Log.RequestFailed(_shared.Logger, Index, registration.Tr.Id, registration.Key, e.Message);
        }
    }

    private void RebuildRoutes()
    {
        var routes = new Dictionary<TrId, Dictionary<string, Registration>>();
        foreach (var ((trId, key), r) in _registrations)
        {
            // HTS IDs are matched without regard to case (KIS accepts them so); every other key is exact.
            if (!routes.TryGetValue(trId, out var byKey))
                routes[trId] = byKey = new Dictionary<string, Registration>(r.Tr.KeyFormat == TrKeyFormat.HtsId ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            byKey[key] = r;
        }
        _routes = routes;
    }

    // ---------------------------------------------------------------- shutdown

    /// <summary>Graceful shutdown: releases every registration (tr_type 2), sends a close frame, stops reconnecting.</summary>
    public async ValueTask DisposeAsync()
    {
        List<Registration> live;
        WebSocketConnection? connection;
        lock (_gate)
        {
            if (_stopping) return;
            live = _registrations.Values.Where(r => r.SentEpoch == _epoch && _connection is not null).ToList();
            connection = _connection;
        }

        if (connection is not null)
        {
            // Releasing keeps KIS from holding the app key "in use" (OPSP8996) after we are gone.
            var releases = Task.WhenAll(live.Select(ReleaseAsync));
            try
            {
                await releases.WaitAsync(_options.CloseTimeout, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        Subscriber[] subscribers;
        Registration[] ended;
        lock (_gate)
        {
            _stopping = true;
            ended = _registrations.Values.ToArray();
            subscribers = ended.SelectMany(r => r.Subscribers).ToArray();
            foreach (var r in ended) r.Removed = true;
            _registrations.Clear();
            RebuildRoutes();
            connection = _connection;
        }
        foreach (var s in subscribers) s.Complete(null);
        // A subscription still waiting for its first reply (not connected yet, reconnecting, app key in use) must
        // not wait forever: its first MoveNextAsync ends with ObjectDisposedException.
        foreach (var r in ended)
            if (r.Registered.TrySetException(new ObjectDisposedException(nameof(KisRealtimeClient)))) _ = r.Registered.Task.Exception;

        if (connection is not null)
        {
            try
            {
                await connection.SendCloseAsync(WebSocketCloseStatus.NormalClosure, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
            {
                // Already broken (reset, aborted by the watchdog): nothing to close politely; shutdown goes on.
            }
        }
        else
        {
            _stop.Cancel(); // connecting or waiting to reconnect: nothing to close politely, stop at once
        }
        var run = _run;
        if (run is not null)
        {
            try
            {
                // The receive loop ends when the server answers the close frame.
                await run.WaitAsync(_options.CloseTimeout, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
        _stop.Cancel();
        connection?.Abort();
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
        TaskCompletionSource last;
        lock (_gate) last = _firstConnect;
        if (last.TrySetException(new ObjectDisposedException(nameof(KisRealtimeClient)))) _ = last.Task.Exception; // observed
        SetState(KisConnectionState.Closed, "disposed");
        _decoder.Dispose();
    }
}
