using System.Diagnostics;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Session;

/// <summary>
/// The run loop: approval key, connect, run the connection, wait, again — until the session stops. Each pass is three
/// steps (the wait before an attempt, the attempt, the connection's life or the failure's wait); each step says whether
/// the loop goes on, tries again from the top, or stops.
/// </summary>
internal sealed partial class KisSession
{
    private enum LoopStep { Go, Again, Stop }

    /// <summary>What the run loop remembers across its passes; only the run loop touches it.</summary>
    private sealed class RunLoopState
    {
        /// <summary>Failed connections in a row: the backoff grows with them.</summary>
        public int Failures;

        /// <summary>OPSP8996 in a row: their wait grows (<see cref="AppKeyInUseDelay"/>).</summary>
        public int InUseFailures;

        public bool EverConnected;

        public KisConnectionState Connecting => EverConnected ? KisConnectionState.Reconnecting : KisConnectionState.Connecting;
    }

    /// <summary>
    /// One report per failure: a first connection that fails without retry is thrown to whoever waits (ConnectAsync,
    /// the subscriptions), so the log only traces it; a failure the session retries is a warning.
    /// </summary>
    private void LogConnectFailed(Uri url, string reason, bool everConnected)
    {
        if (!everConnected && !_options.RetryOnInitialConnect) Log.ConnectFailedThrown(_shared.Logger, Index, url, reason);
        else Log.ConnectFailed(_shared.Logger, Index, url, reason);
    }

    private async Task RunAsync()
    {
        var run = new RunLoopState();
        // The steps end the connect span inside themselves, and an async callee's change of Activity.Current does not
        // flow back here: each pass starts from the caller's current activity, so a reconnect is the connect's sibling,
        // not its child (a long session would otherwise be one ever deeper trace).
        var caller = Activity.Current;
        while (!IsStopping)
        {
            Activity.Current = caller;
            // Before the first connection every step runs under the attempt's token, which ConnectAsync's callers cancel.
            var attempt = run.EverConnected ? null : CurrentAttempt();
            var token = attempt?.Token ?? _stop.Token;
            var before = await WaitBeforeAttemptAsync(attempt, token, run).ConfigureAwait(false);
            if (before == LoopStep.Stop) break;
            if (before == LoopStep.Again) continue;

            using var connectSpan = KisActivities.Start(run.EverConnected ? KisActivities.Reconnect : KisActivities.Connect, Index);
            connectSpan?.SetTag("server.address", _url.Host).SetTag("server.port", _url.Port);
            var (context, failure, step) = await ConnectOnceAsync(attempt, token, run, connectSpan).ConfigureAwait(false);
            if (step == LoopStep.Stop) break;
            if (step == LoopStep.Again) continue;

            var after = context is null
                ? await AfterFailedConnectAsync(failure!, token, run, connectSpan).ConfigureAwait(false)
                : await RunConnectedAsync(context, run, connectSpan).ConfigureAwait(false);
            if (after == LoopStep.Stop) break;
        }
    }

    /// <summary>An attempt its callers abandoned goes back to Closed; an exhausted connection budget waits.</summary>
    private async Task<LoopStep> WaitBeforeAttemptAsync(CancellationTokenSource? attempt, CancellationToken token, RunLoopState run)
    {
        if (attempt is { IsCancellationRequested: true })
        {
            EndAttempt();
            SetState(KisConnectionState.Closed, "connect cancelled");
            return await WaitForDemandAsync().ConfigureAwait(false) ? LoopStep.Again : LoopStep.Stop;
        }
        var budgetDelay = _budget.DelayBeforeNext();
        if (budgetDelay <= TimeSpan.Zero) return LoopStep.Go;
        Log.ConnectBudgetExhausted(_shared.Logger, Index, _budget.Recent, budgetDelay.TotalSeconds);
        var waited = await RetryAfterAsync(budgetDelay, run.Connecting,
            $"{_budget.Recent} connection attempts in the last minute (budget {_options.MaxConnectAttemptsPerMinute})",
            token: token).ConfigureAwait(false);
        return waited ? LoopStep.Again : LoopStep.Stop; // Again: the attempt may have been cancelled meanwhile
    }

    /// <summary>The approval key, then the WebSocket: a context, or the failure to report (Go), or Again / Stop.</summary>
    private async Task<(ConnectionContext? Context, Exception? Failure, LoopStep Step)> ConnectOnceAsync(
        CancellationTokenSource? attempt, CancellationToken token, RunLoopState run, Activity? connectSpan)
    {
        try
        {
            // The approval key first: without it the connection is useless, and its failure deserves its own words.
            using (var approvalSpan = KisActivities.Start(KisActivities.Approval, Index))
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
        catch (Exception) when (IsStopping)
        {
            return (null, null, LoopStep.Stop);
        }
        catch (Exception) when (attempt is { IsCancellationRequested: true })
        {
            connectSpan?.Dispose();
            return (null, null, LoopStep.Again); // abandoned by every caller: the loop's top goes back to Closed
        }
        catch (KisApprovalException e) when (e.HttpStatus is null or >= 500 && (run.EverConnected || _options.RetryOnInitialConnect))
        {
            KisActivities.Fail(connectSpan, e);
            connectSpan?.Dispose();
            var delay = Backoff(run.Failures++);
            Log.ApprovalUnavailable(_shared.Logger, Index, e.Message, delay.TotalSeconds);
            var waited = await RetryAfterAsync(delay, run.Connecting, $"approval key unavailable: {e.Message}", token: token)
                .ConfigureAwait(false);
            return (null, null, waited ? LoopStep.Again : LoopStep.Stop);
        }
        catch (KisApprovalException e) when (e.HttpStatus is null && e.InnerException is HttpRequestException or OperationCanceledException)
        {
            // The approval server could not be reached: a connection failure like a WebSocket server that cannot
            // be, not a refusal of the credentials.
            LogConnectFailed(_options.EffectiveRestBaseUrl, e.Message, run.EverConnected);
            return (null, new KisConnectionException(_options.EffectiveRestBaseUrl, e.Message, e), LoopStep.Go);
        }
        catch (KisApprovalException e)
        {
            return (null, e, LoopStep.Go);
        }
        catch (Exception e)
        {
            var reason = e is OperationCanceledException ? $"timed out after {_options.ConnectTimeout.TotalSeconds:0.#} s" : e.Message;
            LogConnectFailed(_url, reason, run.EverConnected);
            return (null, new KisConnectionException(_url, reason, e), LoopStep.Go);
        }
    }

    /// <summary>A refused key or a first connect without retry fails every waiter; anything else waits its backoff.</summary>
    private async Task<LoopStep> AfterFailedConnectAsync(Exception failure, CancellationToken token, RunLoopState run, Activity? connectSpan)
    {
        KisActivities.Fail(connectSpan, failure);
        connectSpan?.Dispose(); // ends here, not after the wait before the next attempt
        if (failure is KisApprovalException || (!run.EverConnected && !_options.RetryOnInitialConnect))
        {
            // Final for everything waiting now; a later subscription or ConnectAsync starts over.
            FailEverythingWaiting(failure);
            return await WaitForDemandAsync().ConfigureAwait(false) ? LoopStep.Again : LoopStep.Stop;
        }
        var delay = Backoff(run.Failures++);
        var waited = await RetryAfterAsync(delay, run.Connecting, $"connect failed: {((KisConnectionException)failure).Reason}",
            token: token).ConfigureAwait(false);
        return waited ? LoopStep.Again : LoopStep.Stop;
    }

    /// <summary>Runs the connection to its end, then waits before the next: longer when KIS said the key is in use.</summary>
    private async Task<LoopStep> RunConnectedAsync(ConnectionContext context, RunLoopState run, Activity? connectSpan)
    {
        if (run.EverConnected)
        {
            Interlocked.Increment(ref _shared.Counters.Reconnects);
            Interlocked.Increment(ref _reconnections);
            _shared.Instruments.Reconnects.Add(1);
        }
        else EndAttempt();
        run.EverConnected = true;
        connectSpan?.Dispose(); // the span covers the handshake, not the connection's life
        var (lostReason, appKeyInUse) = await RunConnectionAsync(context).ConfigureAwait(false);
        // Only a connection that proved healthy resets the backoff: one that is accepted and closed at once keeps doubling it.
        if (_time.GetElapsedTime(context.ConnectedAt) >= _options.HealthyConnectionTime && context.MessagesReceived > 0)
            run.Failures = run.InUseFailures = 0;
        if (IsStopping) return LoopStep.Stop;

        Log.ConnectionLost(_shared.Logger, Index, lostReason);
        if (appKeyInUse)
        {
            var wait = AppKeyInUseDelay(run.InUseFailures++, _options, Random.Shared.NextDouble());
            Log.AppKeyInUse(_shared.Logger, Index, _credential.MaskedAppKey, wait.TotalSeconds);
            return await RetryAfterAsync(wait, KisConnectionState.Reconnecting, "app key in use by another session (OPSP8996)",
                OpspCode.AppKeyInUse).ConfigureAwait(false) ? LoopStep.Again : LoopStep.Stop;
        }
        var backoff = Backoff(run.Failures++);
        return await RetryAfterAsync(backoff, KisConnectionState.Reconnecting, lostReason).ConfigureAwait(false)
            ? LoopStep.Again : LoopStep.Stop;
    }
}
