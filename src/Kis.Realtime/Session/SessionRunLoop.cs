using System.Diagnostics;
using Kis.Realtime.Auth;
using Kis.Realtime.Protocol;
using Kis.Realtime.Retry;
using Kis.Realtime.Transport;

namespace Kis.Realtime.Session;

/// <summary>
/// A session's run loop: approval key, connect, run the connection, wait, again — until the session stops. Each pass is
/// three steps (the wait before an attempt, the attempt, the connection's life or the failure's wait); each step says
/// whether the loop goes on, tries again from the top, or stops. Apart from <see cref="KisSession"/> because its state
/// (failures in a row, the connection budget, connection ids) is only ever touched by the one loop task, without a
/// lock; what others wait on (the first connection, the state, demand) stays the session's.
/// </summary>
internal sealed class SessionRunLoop(KisSession session, int index, KisCredential credential, KisRealtimeOptions options,
    ApprovalKeyProvider keys, ClientShared shared, CancellationToken stop)
{
    private enum LoopStep { Go, Again, Stop }

    private readonly KisSession _session = session;
    private readonly int _index = index;
    private readonly KisCredential _credential = credential;
    private readonly KisRealtimeOptions _options = options;
    private readonly ApprovalKeyProvider _keys = keys;
    private readonly ClientShared _shared = shared;
    private readonly CancellationToken _stop = stop;
    private readonly TimeProvider _time = options.TimeProvider;
    private readonly Uri _url = options.EffectiveWebSocketUrl;
    // Connection attempts per app key and minute.
    private readonly SlidingWindowLimit _budget = new(options.MaxConnectAttemptsPerMinute, TimeSpan.FromMinutes(1), options.TimeProvider);
    private long _connectionIds;

    /// <summary>Failed connections in a row: the backoff grows with them.</summary>
    private int _failures;

    /// <summary>OPSP8996 in a row: their wait grows (<see cref="KisSession.AppKeyInUseDelay"/>).</summary>
    private int _inUseFailures;

    private bool _everConnected;

    /// <summary>The state a retry reports: Connecting until the first connection, Reconnecting after.</summary>
    private KisConnectionState RetryState => _everConnected ? KisConnectionState.Reconnecting : KisConnectionState.Connecting;

    /// <summary>
    /// One report per failure: a first connection that fails without retry is thrown to whoever waits (ConnectAsync,
    /// the subscriptions), so the log only traces it; a failure the session retries is a warning.
    /// </summary>
    private void LogConnectFailed(Uri url, string reason, bool everConnected)
    {
        if (!everConnected && !_options.RetryOnInitialConnect) Log.ConnectFailedThrown(_shared.Logger, _index, url, reason);
        else Log.ConnectFailed(_shared.Logger, _index, url, reason);
    }

    /// <summary>Runs until the session stops; <see cref="KisSession"/> starts it once, on first demand.</summary>
    public async Task RunAsync()
    {
        // The steps end the connect span inside themselves, and an async callee's change of Activity.Current does not
        // flow back here: each pass starts from the caller's current activity, so a reconnect is the connect's sibling,
        // not its child (a long session would otherwise be one ever deeper trace).
        var caller = Activity.Current;
        while (!_session.IsStopping)
        {
            Activity.Current = caller;
            // Before the first connection every step runs under the attempt's token, which ConnectAsync's callers cancel.
            var attempt = _everConnected ? null : _session.CurrentAttempt();
            var token = attempt?.Token ?? _stop;
            var before = await WaitBeforeAttemptAsync(attempt, token).ConfigureAwait(false);
            if (before == LoopStep.Stop) break;
            if (before == LoopStep.Again) continue;

            using var connectSpan = KisActivities.Start(_everConnected ? KisActivities.Reconnect : KisActivities.Connect, _index);
            connectSpan?.SetTag("server.address", _url.Host).SetTag("server.port", _url.Port);
            var (context, failure, step) = await ConnectOnceAsync(attempt, token, connectSpan).ConfigureAwait(false);
            if (step == LoopStep.Stop) break;
            if (step == LoopStep.Again) continue;

            var after = context is null
                ? await AfterFailedConnectAsync(failure!, token, connectSpan).ConfigureAwait(false)
                : await RunConnectedAsync(context, connectSpan).ConfigureAwait(false);
            if (after == LoopStep.Stop) break;
        }
    }

    /// <summary>An attempt its callers abandoned goes back to Closed; an exhausted connection budget waits.</summary>
    private async Task<LoopStep> WaitBeforeAttemptAsync(CancellationTokenSource? attempt, CancellationToken token)
    {
        if (attempt is { IsCancellationRequested: true })
        {
            _session.EndAttempt();
            _session.SetState(KisConnectionState.Closed, "connect cancelled");
            return await _session.WaitForDemandAsync().ConfigureAwait(false) ? LoopStep.Again : LoopStep.Stop;
        }
        var budgetDelay = _budget.DelayBeforeNext();
        if (budgetDelay <= TimeSpan.Zero) return LoopStep.Go;
        Log.ConnectBudgetExhausted(_shared.Logger, _index, _budget.Recent, budgetDelay.TotalSeconds);
        var waited = await _session.RetryAfterAsync(budgetDelay, RetryState,
            $"{_budget.Recent} connection attempts in the last minute (budget {_options.MaxConnectAttemptsPerMinute})",
            token: token).ConfigureAwait(false);
        return waited ? LoopStep.Again : LoopStep.Stop; // Again: the attempt may have been cancelled meanwhile
    }

    /// <summary>The approval key, then the WebSocket: a context, or the failure to report (Go), or Again / Stop.</summary>
    private async Task<(ConnectionContext? Context, Exception? Failure, LoopStep Step)> ConnectOnceAsync(
        CancellationTokenSource? attempt, CancellationToken token, Activity? connectSpan)
    {
        try
        {
            // The approval key first: without it the connection is useless, and its failure deserves its own words.
            using (var approvalSpan = KisActivities.Start(KisActivities.Approval, _index))
            {
                approvalSpan?.SetTag("kis.app_key", _credential.MaskedAppKey);
                try
                {
                    await _keys.GetAsync(_credential, null, token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    KisActivities.Fail(approvalSpan, e);
                    throw;
                }
            }
            _budget.Record();
            Interlocked.Increment(ref _shared.Counters.ConnectAttempts);
            return (await OpenAsync(token).ConfigureAwait(false), null, LoopStep.Go);
        }
        catch (Exception) when (_session.IsStopping)
        {
            return (null, null, LoopStep.Stop);
        }
        catch (Exception) when (attempt is { IsCancellationRequested: true })
        {
            connectSpan?.Dispose();
            return (null, null, LoopStep.Again); // abandoned by every caller: the loop's top goes back to Closed
        }
        catch (KisApprovalException e) when (e.HttpStatus is null or >= 500 && (_everConnected || _options.RetryOnInitialConnect))
        {
            KisActivities.Fail(connectSpan, e);
            connectSpan?.Dispose();
            var delay = _session.Backoff(_failures++);
            Log.ApprovalUnavailable(_shared.Logger, _index, e.Message, delay.TotalSeconds);
            var waited = await _session.RetryAfterAsync(delay, RetryState, $"approval key unavailable: {e.Message}", token: token)
                .ConfigureAwait(false);
            return (null, null, waited ? LoopStep.Again : LoopStep.Stop);
        }
        catch (KisApprovalException e) when (e.HttpStatus is null && e.InnerException is HttpRequestException or OperationCanceledException)
        {
            // The approval server could not be reached: a connection failure like a WebSocket server that cannot
            // be, not a refusal of the credentials.
            LogConnectFailed(_options.EffectiveRestBaseUrl, e.Message, _everConnected);
            return (null, new KisConnectionException(_options.EffectiveRestBaseUrl, e.Message, e), LoopStep.Go);
        }
        catch (KisApprovalException e)
        {
            return (null, e, LoopStep.Go);
        }
        catch (Exception e)
        {
            var reason = e is OperationCanceledException ? $"timed out after {_options.ConnectTimeout.TotalSeconds:0.#} s" : e.Message;
            LogConnectFailed(_url, reason, _everConnected);
            return (null, new KisConnectionException(_url, reason, e), LoopStep.Go);
        }
    }

    /// <summary>A refused key or a first connect without retry fails every waiter; anything else waits its backoff.</summary>
    private async Task<LoopStep> AfterFailedConnectAsync(Exception failure, CancellationToken token, Activity? connectSpan)
    {
        KisActivities.Fail(connectSpan, failure);
        connectSpan?.Dispose(); // ends here, not after the wait before the next attempt
        if (failure is KisApprovalException || (!_everConnected && !_options.RetryOnInitialConnect))
        {
            // Final for everything waiting now; a later subscription or ConnectAsync starts over.
            _session.FailEverythingWaiting(failure);
            return await _session.WaitForDemandAsync().ConfigureAwait(false) ? LoopStep.Again : LoopStep.Stop;
        }
        var delay = _session.Backoff(_failures++);
        var waited = await _session.RetryAfterAsync(delay, RetryState, $"connect failed: {((KisConnectionException)failure).Reason}",
            token: token).ConfigureAwait(false);
        return waited ? LoopStep.Again : LoopStep.Stop;
    }

    /// <summary>Runs the connection to its end, then waits before the next: longer when KIS said the key is in use.</summary>
    private async Task<LoopStep> RunConnectedAsync(ConnectionContext context, Activity? connectSpan)
    {
        if (_everConnected)
        {
            Interlocked.Increment(ref _shared.Counters.Reconnects);
            _session.CountReconnection();
            _shared.Instruments.Reconnects.Add(1);
        }
        else _session.EndAttempt();
        _everConnected = true;
        connectSpan?.Dispose(); // the span covers the handshake, not the connection's life
        var (lostReason, appKeyInUse) = await _session.RunConnectionAsync(context).ConfigureAwait(false);
        // Only a connection that proved healthy resets the backoff: one that is accepted and closed at once keeps doubling it.
        if (_time.GetElapsedTime(context.ConnectedAt) >= _options.HealthyConnectionTime && context.MessagesReceived > 0)
            _failures = _inUseFailures = 0;
        if (_session.IsStopping) return LoopStep.Stop;

        Log.ConnectionLost(_shared.Logger, _index, lostReason);
        if (appKeyInUse)
        {
            var wait = KisSession.AppKeyInUseDelay(_inUseFailures++, _options, Random.Shared.NextDouble());
            Log.AppKeyInUse(_shared.Logger, _index, _credential.MaskedAppKey, wait.TotalSeconds);
            return await _session.RetryAfterAsync(wait, KisConnectionState.Reconnecting, "app key in use by another session (OPSP8996)",
                OpspCode.AppKeyInUse).ConfigureAwait(false) ? LoopStep.Again : LoopStep.Stop;
        }
        var backoff = _session.Backoff(_failures++);
        return await _session.RetryAfterAsync(backoff, KisConnectionState.Reconnecting, lostReason).ConfigureAwait(false)
            ? LoopStep.Again : LoopStep.Stop;
    }

    private async Task<ConnectionContext> OpenAsync(CancellationToken attempt)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, attempt);
        var connection = await WebSocketConnection.ConnectAsync(_url, _options.MaxMessageSize, linked.Token).ConfigureAwait(false);
        return new ConnectionContext(connection, Interlocked.Increment(ref _connectionIds), _time.GetTimestamp(), _stop);
    }
}
