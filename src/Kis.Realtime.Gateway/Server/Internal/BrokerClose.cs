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
    public static void CloseRead(IConnection connection) => InBackground(async () =>
    {
        await connection.AbortAsync(ReadCloseBound).ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    });

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
    /// Aborts <paramref name="connection"/> (nothing left to flush on it), waiting at most <paramref name="bound"/>; none
    /// left (zero or less): closed in the background. A timeout leaves the abort running: the client's abort waited past
    /// its own timeout for a broker that held its answers.
    /// </summary>
    public static async Task AbortWithinAsync(IConnection connection, TimeSpan bound)
    {
        if (bound <= TimeSpan.Zero)
        {
            CloseRead(connection);
            return;
        }
        try
        {
            await AbortAsync(connection, bound).WaitAsync(bound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // the abort goes on in the background
        }
    }

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
