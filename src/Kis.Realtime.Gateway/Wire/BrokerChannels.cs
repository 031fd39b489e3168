using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Kis.Realtime.Gateway.Wire;

/// <summary>
/// Opens channels so that a broker's fault comes out as one. RabbitMQ.Client 7.2 ends an operation the broker did not
/// answer within its continuation timeout (20 s) as cancelled, its TimeoutException never set; and with 7.2's
/// connection.open not waiting for open-ok, a channel.open sent as the broker refuses the connection (530: no
/// permission on the vhost) can miss the close and wait for that timeout too. A cancellation nobody asked for crashed
/// <c>kisrt gateway</c> (exit 134) where a refusal is one line and exit 4: it is the connection's close when the broker
/// closed it, else a <see cref="TimeoutException"/>, both broker faults every call site handles.
/// </summary>
internal static class BrokerChannels
{
    /// <summary>A channel on <paramref name="connection"/> (see the type).</summary>
    public static Task<IChannel> OpenChannelAsync(this IConnection connection, CancellationToken cancellationToken) =>
        connection.OpenChannelAsync(null, cancellationToken);

    /// <summary>A channel on <paramref name="connection"/> with <paramref name="options"/> (see the type).</summary>
    public static async Task<IChannel> OpenChannelAsync(this IConnection connection, CreateChannelOptions? options, CancellationToken cancellationToken)
    {
        try
        {
#pragma warning disable RS0030 // the one call of the banned API: the translation below is why it is banned elsewhere
            return await connection.CreateChannelAsync(options, cancellationToken).ConfigureAwait(false);
#pragma warning restore RS0030
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw connection.CloseReason is { } closed ? new OperationInterruptedException(closed) : BrokerFault.Unasked(e, cancellationToken);
        }
    }
}
