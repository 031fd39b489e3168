using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The fence of a run, kept by the broker: every run publishes to an exchange of its own, <c>{ns}.records.run-{RUN}</c>
/// (durable fanout, bound exchange-to-exchange to <c>{ns}.records</c>, so records still reach the TR streams by their
/// routing keys). A run that follows another deletes the previous run's exchange before it publishes or checkpoints
/// anything: bytes the old run's connection still delivers after that (a partition that heals, a stalled process) are
/// refused by the broker (404, channel closed), never stored after the new run's records. The publisher never declares
/// its exchange again after the start: on every connection it checks it passively, and gone means its term is over
/// (<see cref="RecordPublisher.FenceAsync"/>). This is why no publisher needs a heartbeat shorter than the endpoint's.
/// </summary>
internal static class RunExchange
{
    /// <summary>The exchange a run publishes to.</summary>
    public static string Name(KisGatewayEndpoint endpoint, string run) => $"{endpoint.Exchange}.run-{run}";

    /// <summary>
    /// At a run's start, before it reads the previous run's tail (<c>PreviousRunTail</c>: what that read finds is then all the
    /// previous run will ever have on the streams), publishes or checkpoints: ends the previous run's term (deletes its
    /// exchange; one that is already gone is fine) and declares and binds this run's.
    /// </summary>
    public static async Task OpenAsync(KisGatewayEndpoint endpoint, string run, string? previousRun, CancellationToken cancellationToken)
    {
        var connection = await endpoint.CreateFactory("kisrt-gateway-run").CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await OpenAsync(connection, endpoint, run, previousRun, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Every step above was answered: nothing to flush, and a busy broker's close-ok must not hold the start.
            BrokerClose.CloseRead(connection);
        }
    }

    private static async Task OpenAsync(IConnection connection, KisGatewayEndpoint endpoint, string run, string? previousRun,
        CancellationToken cancellationToken)
    {
        var channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        if (previousRun is not null)
            await channel.ExchangeDeleteAsync(Name(endpoint, previousRun), ifUnused: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        // The destination first: the first run of a namespace finds no records exchange to bind to.
        await channel.ExchangeDeclareAsync(endpoint.Exchange, ExchangeType.Topic, durable: true, autoDelete: false,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var own = Name(endpoint, run);
        await channel.ExchangeDeclareAsync(own, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        await channel.ExchangeBindAsync(endpoint.Exchange, own, routingKey: "", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// On each publisher connection: the run's exchange must still exist (checked, never declared: declaring would undo
    /// the next run's fence) and be bound (again: a records exchange declared anew has lost its bindings).
    /// </summary>
    /// <exception cref="RunTermOverException">The exchange is gone: a later run has taken over.</exception>
    public static async Task CheckAsync(IChannel channel, KisGatewayEndpoint endpoint, string exchange, CancellationToken cancellationToken)
    {
        try
        {
            await channel.ExchangeDeclarePassiveAsync(exchange, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            throw new RunTermOverException(exchange, e);
        }
        await channel.ExchangeBindAsync(endpoint.Exchange, exchange, routingKey: "", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A planned stop, after its last confirm: the run's term ends at once (the next run deletes it too).</summary>
    public static async Task DeleteAsync(KisGatewayEndpoint endpoint, string run, CancellationToken cancellationToken)
    {
        await using var connection = await endpoint.CreateFactory("kisrt-gateway-run").CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeleteAsync(Name(endpoint, run), ifUnused: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The run's exchange is gone: a later run deleted it, so this run must publish nothing more.</summary>
internal sealed class RunTermOverException(string exchange, Exception inner)
    : Exception($"exchange {exchange} is gone: a later run has taken over", inner);
