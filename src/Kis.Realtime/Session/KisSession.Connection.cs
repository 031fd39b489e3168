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
    internal async Task<(string Reason, bool AppKeyInUse)> RunConnectionAsync(ConnectionContext context)
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

        using var watchdog = _receiver.StartWatchdog(context); // before anyone hears "connected": no unwatched window
        SetState(KisConnectionState.Connected);
        TaskCompletionSource first;
        lock (_lock) first = _firstConnect;
        first.TrySetResult();

        var receive = _receiver.Start(context);
        _ = _registrar.ResubscribeAsync(context.Id);
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
}
