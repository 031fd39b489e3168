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

    /// <summary>Aborts <paramref name="channel"/>, waiting at most <paramref name="bound"/> for the broker.</summary>
    public static async Task AbortAsync(IChannel channel, TimeSpan bound)
    {
        try
        {
            using var closing = new CancellationTokenSource(bound);
            await channel.AbortAsync(closing.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the connection went, or the broker did not answer within the bound: the connection's close ends it
        }
    }

    /// <summary>Aborts and disposes a read's <paramref name="connection"/> within <see cref="ReadCloseBound"/>.</summary>
    public static async Task CloseReadAsync(IConnection connection)
    {
        await AbortAsync(connection, ReadCloseBound).ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
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
