using Kis.Realtime.Auth;
using Kis.Realtime.Protocol;
using Kis.Realtime.Retry;

namespace Kis.Realtime.Session;

/// <summary>
/// One KIS session (one app key): connects, reconnects within a budget, watches liveness, answers PINGPONG and shuts
/// down gracefully. Registrations live in <see cref="TrKeyRegistrationTable"/> and their workflows in
/// <see cref="SessionRegistrar"/>; requests go through <see cref="RequestChannel"/>, messages through
/// <see cref="FrameRouter"/>; <see cref="SessionRunLoop"/> makes the connections and <see cref="ConnectionReceiver"/>
/// reads them. This file owns the connection's life under <see cref="_lock"/>: the first connection's waiters, demand,
/// the current connection and the state.
/// </summary>
internal sealed partial class KisSession : IAsyncDisposable
{
    private long _reconnections;

    /// <summary>Connections of this session re-established after a loss: gap checks mark a gap found across one.</summary>
    public long Reconnections => Interlocked.Read(ref _reconnections);

    internal void CountReconnection() => Interlocked.Increment(ref _reconnections);

    private readonly KisCredential _credential;
    private readonly KisRealtimeOptions _options;
    private readonly ClientShared _shared;
    private readonly SessionEvents _events;
    private readonly TimeProvider _time;
    private readonly TrKeyRegistrationTable _table;
    private readonly RequestChannel _requests;
    private readonly FrameRouter _router;
    private readonly SessionRegistrar _registrar;
    private readonly ConnectionReceiver _receiver;
    private readonly SessionRunLoop _loop;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly CancellationTokenSource _stop = new();
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly SemaphoreSlim _demand = new(0, 1);

    private readonly Lock _lock = new();
    private TaskCompletionSource _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionContext? _current;
    private Task? _run;
    private bool _stopping;
    private bool _connectRequested;
    private int _connectWaiters; // ConnectAsync calls waiting on _firstConnect; a default token counts for ever
    private CancellationTokenSource? _attempt; // the first connection's attempts: cancelled when every waiter gave up
    private int _state = (int)KisConnectionState.Closed;

    public KisSession(int index, KisCredential credential, KisRealtimeOptions options, ApprovalKeyProvider keys, ClientShared shared, SessionEvents events)
    {
        Index = index;
        _credential = credential;
        _options = options;
        _shared = shared;
        _events = events;
        _time = options.TimeProvider;
        _table = new TrKeyRegistrationTable(options.MaxRegistrationsPerSession);
        _requests = new RequestChannel(index, credential, options, keys, shared);
        _router = new FrameRouter(index, _table, _requests, shared);
        _registrar = new SessionRegistrar(this, index, _table, _requests, shared, _stop.Token);
        _receiver = new ConnectionReceiver(this, index, options, shared, _router);
        _loop = new SessionRunLoop(this, index, credential, options, keys, shared, _stop.Token);
    }

    public int Index { get; }

    public KisConnectionState State => (KisConnectionState)Volatile.Read(ref _state);

    public bool Started
    {
        get
        {
            lock (_lock) return _run is not null;
        }
    }

    /// <summary>Registrations held, being made or being released (what counts against KIS's 41).</summary>
    public int RegistrationCount => _table.Count;

    public bool HasRoom => _table.HasRoom;

    /// <summary>Records waiting in this session's subscription buffers (for the <c>kis.realtime.buffered</c> gauge).</summary>
    public long BufferedRecords => _table.BufferedRecords;

    public bool Holds(TrDefinition tr, string key) => _table.Holds(tr, key);

    internal long CurrentConnectionId
    {
        get
        {
            lock (_lock) return _current?.Id ?? -1;
        }
    }

    /// <summary>Moves to <paramref name="next"/> and reports it. Logs (the user's logger): never call it under a lock.</summary>
    internal void SetState(KisConnectionState next, string? reason = null, OpspCode? code = null, TimeSpan? retryIn = null)
        => Report((KisConnectionState)Interlocked.Exchange(ref _state, (int)next), next, reason, code, retryIn);

    /// <summary>
    /// A note on the current state (a retry while connected) that changes nothing: writing back the state it read would
    /// race the run loop and could undo its Reconnecting for a whole backoff.
    /// </summary>
    internal void Announce(string reason, TimeSpan retryIn)
    {
        var current = State;
        Report(current, current, reason, null, retryIn);
    }

    private void Report(KisConnectionState previous, KisConnectionState next, string? reason, OpspCode? code, TimeSpan? retryIn)
    {
        if (previous == next && reason is null) return;
        Log.StateChanged(_shared.Logger, Index, _credential.MaskedAppKey, previous, next, reason);
        _events.Publish(new KisStateChangedEventArgs(Index, _credential.MaskedAppKey, previous, next, reason, code, retryIn));
    }

    // ---------------------------------------------------------------- demand

    /// <summary>
    /// Completes when the session is connected; throws when the first connection failed and retrying is off. When
    /// <paramref name="cancellationToken"/> fires and no one else waits (no other ConnectAsync, no subscription), the
    /// attempt itself is aborted (approval request, WebSocket handshake, retry wait) and the session goes back to Closed.
    /// </summary>
    public Task ConnectAsync(CancellationToken cancellationToken)
    {
        Task first;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, typeof(KisRealtimeClient));
            _connectRequested = true;
            first = _firstConnect.Task;
            if (!first.IsCompleted) _connectWaiters++;
        }
        EnsureRunning();
        return first.IsCompleted || !cancellationToken.CanBeCanceled ? first : WaitForConnectAsync(first, cancellationToken);
    }

    private async Task WaitForConnectAsync(Task first, CancellationToken cancellationToken)
    {
        try
        {
            await first.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !first.IsCompleted)
        {
            AbandonConnect(first);
            throw;
        }
    }

    /// <summary>A ConnectAsync caller gave up: the last one (with no subscription waiting) aborts the attempt.</summary>
    private void AbandonConnect(Task first)
    {
        var registrationsWaiting = _table.Pending().Count > 0;
        CancellationTokenSource attempt;
        lock (_lock)
        {
            if (_stopping || _firstConnect.Task != first || first.IsCompleted || _connectWaiters == 0) return;
            if (--_connectWaiters > 0 || registrationsWaiting) return;
            _connectRequested = false;
            attempt = _attempt ??= CancellationTokenSource.CreateLinkedTokenSource(_stop.Token); // the loop may not have begun
        }
        try
        {
            attempt.Cancel(); // outside the lock: cancellation runs callbacks
        }
        catch (ObjectDisposedException)
        {
            // connected meanwhile: the connection stands, as if the cancellation had come a moment later
        }
    }

    /// <summary>The attempt in progress (one per first connection), created on first use.</summary>
    internal CancellationTokenSource CurrentAttempt()
    {
        lock (_lock) return _attempt ??= CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
    }

    /// <summary>The first connection is made (or abandoned): later reconnects are not the ConnectAsync callers' to cancel.</summary>
    internal void EndAttempt()
    {
        CancellationTokenSource? attempt;
        lock (_lock)
        {
            attempt = _attempt;
            _attempt = null;
            _connectWaiters = 0;
        }
        attempt?.Dispose();
    }

    /// <summary>Starts the run loop once; afterwards wakes it when it waits for demand after a failed first connect.</summary>
    private void EnsureRunning()
    {
        Task<Task>? start = null;
        KisConnectionState previous;
        lock (_lock)
        {
            if (_stopping) return;
            if (_run is null)
            {
                // Connecting before anyone sees the run loop (State never reads Closed while connecting); reported, and
                // the loop started, after the lock: the report runs the user's logger, and must precede the loop's own.
                previous = (KisConnectionState)Interlocked.Exchange(ref _state, (int)KisConnectionState.Connecting);
                start = new Task<Task>(_loop.RunAsync);
                _run = start.Unwrap();
            }
            else previous = State;
        }
        if (start is not null)
        {
            Report(previous, KisConnectionState.Connecting, null, null, null);
            start.Start(TaskScheduler.Default);
            return;
        }
        try
        {
            _demand.Release();
        }
        catch (SemaphoreFullException)
        {
            // already signalled
        }
    }

    private bool HasDemand
    {
        get
        {
            lock (_lock)
                if (_connectRequested) return true;
            return _table.Pending().Count > 0;
        }
    }

    internal bool IsStopping
    {
        get
        {
            lock (_lock) return _stopping;
        }
    }

    /// <summary>Fails every registration waiting and the pending ConnectAsync calls, then reports Faulted.</summary>
    internal void FailEverythingWaiting(Exception error)
    {
        TaskCompletionSource first;
        lock (_lock)
        {
            first = _firstConnect;
            _firstConnect = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connectRequested = false;
            _connectWaiters = 0; // they all get the failure
        }
        foreach (var r in _table.Pending()) _registrar.FailRegistration(r, error);
        SetState(KisConnectionState.Faulted, error.Message);
        first.TrySetException(error);
    }

    /// <summary>Waits (Faulted) until a subscription or ConnectAsync wants a connection again; false when stopping.</summary>
    internal async Task<bool> WaitForDemandAsync()
    {
        while (true)
        {
            try
            {
                await _demand.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            if (IsStopping) return false;
            if (!HasDemand) continue;
            SetState(KisConnectionState.Connecting);
            return true;
        }
    }

    /// <summary>The wait before OPSP8996 retry number <paramref name="failures"/> (0-based, in a row): from
    /// <see cref="KisRealtimeOptions.AppKeyInUseFirstRetryDelay"/> doubling up to <see cref="KisRealtimeOptions.AppKeyInUseRetryDelay"/>.</summary>
    internal static TimeSpan AppKeyInUseDelay(int failures, KisRealtimeOptions options, double random01)
    {
        var max = options.AppKeyInUseRetryDelay;
        var first = options.AppKeyInUseFirstRetryDelay is { } f && f < max ? f : max;
        return ExponentialBackoff.Compute(failures, first, max, random01);
    }

    // The failure counts live in the loops (connection, registrations); the rule is the shared one.
    internal TimeSpan Backoff(int failures) =>
        ExponentialBackoff.Compute(failures, _options.ReconnectMinDelay, _options.ReconnectMaxDelay, Random.Shared.NextDouble());


    /// <summary>
    /// Waits <paramref name="delay"/> and announces it (state, reason, retry-in). The timer starts before the
    /// announcement, so whoever reacts to "retry in X" (a test moving a fake clock by X) finds it already running.
    /// </summary>
    /// <returns>False when stopping; true after the delay or when <paramref name="token"/> (an attempt) was cancelled.</returns>
    internal Task<bool> RetryAfterAsync(TimeSpan delay, KisConnectionState state, string? reason, OpspCode? code = null, CancellationToken? token = null)
    {
        var waiting = DelayAsync(delay, token);
        SetState(state, reason, code, delay);
        return waiting;
    }

    /// <returns>False when stopping; true after the delay or when <paramref name="attempt"/> was cancelled (the loop's top sees it).</returns>
    internal async Task<bool> DelayAsync(TimeSpan delay, CancellationToken? attempt = null)
    {
        try
        {
            await Task.Delay(delay, _time, attempt ?? _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
        }
        return !IsStopping;
    }
}
