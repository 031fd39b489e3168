using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Bounded closes for what has nothing left to flush (a read's channel or connection, a fenced publisher's connection, the
/// fence's own connection once its exchange is bound):
/// AMQP's clean close waits for the broker's close-ok, and a broker busy with the open's burst took 7–41 s to send it
/// while a start waited on it (issue 61, a re-hold of 57 s). Never throws: a connection already gone is closed enough.
/// </summary>
internal static class BrokerClose
{
    /// <summary>How long a read's close may take.</summary>
    public static readonly TimeSpan ReadCloseBound = TimeSpan.FromSeconds(1);

    /// <summary>Closes a read's <paramref name="channel"/> (aborted, then disposed) on a pool thread: nothing waits for it.</summary>
    public static void CloseRead(IChannel channel) => InBackground(async () =>
    {
        using var closing = new CancellationTokenSource(ReadCloseBound);
        await channel.AbortAsync(closing.Token).ConfigureAwait(false);
        await channel.DisposeAsync().ConfigureAwait(false);
    });

    /// <summary>Closes a read's <paramref name="connection"/> (aborted, then disposed) on a pool thread: nothing waits for it.</summary>
    public static void CloseRead(IConnection connection) => _ = AbortThenDisposeInBackground(connection, ReadCloseBound);

    /// <summary>
    /// A close the broker does not answer is not bounded by the token or timeout given to the client: an aborted channel's
    /// dispose, or the abort itself, waited for the close-ok up to the client's continuation timeout (20 s), and a tail read
    /// whose broker held its answers ended 22–42 s after its 5 s bound (<c>GatewayHeldBackTailTests</c>). A read has
    /// nothing to flush, so its start never waits for its close.
    /// </summary>
    private static void InBackground(Func<Task> close) => _ = Task.Run(async () =>
    {
        try
        {
            await close().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // gone already, or the client gave up: closed enough
        }
    });

    /// <summary>
    /// Aborts and disposes <paramref name="connection"/> (nothing left to flush on it) as one task on a pool thread, waiting
    /// for it at most <paramref name="bound"/>; none left (zero or less): not at all. A timeout leaves it running: the
    /// client's abort waited past its own timeout for a broker that held its answers. Aborted only, a connection kept its
    /// socket's reader loop, session table and semaphores until a finalizer: a leak per fence and per stop.
    /// </summary>
    public static async Task AbortWithinAsync(IConnection connection, TimeSpan bound)
    {
        var closing = AbortThenDisposeInBackground(connection, bound > TimeSpan.Zero ? bound : ReadCloseBound);
        if (bound <= TimeSpan.Zero) return;
        try
        {
            await closing.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // the close goes on in the background
        }
    }

    /// <summary>Aborts <paramref name="connection"/> (at most <paramref name="bound"/> for the broker), then disposes it even
    /// when the abort failed, on a pool thread; the task never fails.</summary>
    private static Task AbortThenDisposeInBackground(IConnection connection, TimeSpan bound) => Task.Run(async () =>
    {
        await AbortAsync(connection, bound).ConfigureAwait(false);
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // gone already: disposed enough
        }
    });

    /// <summary>Aborts <paramref name="connection"/>, waiting at most <paramref name="bound"/> for the broker.</summary>
    public static async Task AbortAsync(IConnection connection, TimeSpan bound)
    {
        try
        {
            await connection.AbortAsync(bound).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // gone already
        }
    }
}
