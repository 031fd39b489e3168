using Kis.Realtime.Retry;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Wire;

/// <summary>
/// What one broker connection of a reconnecting loop does; see <see cref="BrokerReconnectLoop.RunAsync"/>.
/// </summary>
internal sealed class BrokerConnectionSteps
{
    /// <summary>Opens the attempt's connection (a factory of the owner's: its name, heartbeat, message bound).</summary>
    public required Func<CancellationToken, Task<IConnection>> Connect { get; init; }

    /// <summary>Sets the connection up and returns when it is lost (or throws); resets the backoff once it is up.</summary>
    public required Func<IConnection, CancellationToken, Task> WhileConnected { get; init; }

    /// <summary>An attempt failed or its connection was lost (not by the loop's stop): says so; false ends the loop.</summary>
    public required Func<Exception, bool> OnLost { get; init; }

    /// <summary>After every attempt, before its connection is closed: the owner drops what it published of it.</summary>
    public Func<Task>? AfterEach { get; init; }

    /// <summary>Closes an attempt's connection; by default <see cref="BrokerReconnectLoop.CloseQuietlyAsync"/>.</summary>
    public Func<IConnection, Task>? Close { get; init; }
}

/// <summary>
/// The one reconnect loop of the gateway's broker connections (the request server, the record publisher, the
/// election): a connection, the owner's work on it until it is lost, the owner's clean-up, the connection closed, then
/// a wait of <see cref="ExponentialBackoff.Current"/> (grown after each wait; the owner resets it once connected), until
/// the stop token. One owner per loop: the backoff and the connection are the loop's caller's and this method's only.
/// </summary>
internal static class BrokerReconnectLoop
{
    public static async Task RunAsync(BrokerConnectionSteps steps, ExponentialBackoff backoff, TimeProvider time, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            IConnection? connection = null;
            try
            {
                connection = await steps.Connect(stop).ConfigureAwait(false);
                await steps.WhileConnected(connection, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                if (!steps.OnLost(e)) return;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Stopping: the attempt in flight may end in any broker error (a refused login at the moment of the stop
                // escaped KisGateway.DisposeAsync); none of them is a fault of a loop that is going away.
            }
            finally
            {
                if (steps.AfterEach is { } afterEach) await afterEach().ConfigureAwait(false);
                if (connection is not null) await (steps.Close ?? CloseQuietlyAsync)(connection).ConfigureAwait(false);
            }
            if (stop.IsCancellationRequested) break;
            try
            {
                await Task.Delay(backoff.Current, time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff.Grow();
        }
    }

    /// <summary>Closes (two seconds at most) and disposes; a connection the broker already dropped is just disposed.</summary>
    public static async Task CloseQuietlyAsync(IConnection connection)
    {
        try
        {
            await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already gone: the broker went away.
        }
        connection.Dispose();
    }
}
