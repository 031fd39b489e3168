using System.Net.WebSockets;

namespace Kis.Realtime.Session;

/// <summary>
/// The session's side of registrations: adding and removing consumers, starting a registration, shutdown. The
/// workflows themselves (subscribe, release, replay) are <see cref="SessionRegistrar"/>'s.
/// </summary>
internal sealed partial class KisSession
{
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
        if (connection >= 0) _ = Task.Run(() => _registrar.RegisterAsync(registration, connection));
    }

    /// <inheritdoc cref="SessionRegistrar.RemoveAsync(LocalSubscriber, bool)"/>
    public Task RemoveAsync(LocalSubscriber subscriber, bool drain = false) => _registrar.RemoveAsync(subscriber, drain);

    internal void AbortConnection(long connection)
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
            var releases = Task.WhenAll(toRelease.Select(r => _registrar.ReleaseAsync(r, current.Id)).Append(_table.WhenSettled));
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
