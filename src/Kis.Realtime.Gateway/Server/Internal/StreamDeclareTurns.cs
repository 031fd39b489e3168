using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A fleet's stream declarations, one at a time across its processes. RabbitMQ 3.10 answers a stream's second declarer
/// with declare-ok as soon as the queue record exists, before the first declarer's stream has a writer (its leader pid
/// is still <c>none</c>); a publish routed to it then closes the publisher's channel (<c>osiris_writer,write</c> on
/// <c>none</c>) or connection ("Stream not found"). The first declarer's own declare-ok comes only once the writer is up,
/// so declarations that take turns never see a stream without one. AMQP 0-9-1 has no other answer that tells (a passive
/// declare and the declare-ok's counts are the same either way); the stream protocol's metadata does, but the gateway
/// speaks AMQP 0-9-1 only.
/// The turn is RabbitMQ's single active consumer on <c>{ns}.stream-declare</c> (as the elections): each declarer puts
/// a token in, consumes, and holds its turn while the broker delivers it a token; closing its channel requeues the token
/// for the next. Nothing in this is an error to the broker. A turn not given within <see cref="Patience"/> (a holder
/// stuck on a dead link until its heartbeat) declares anyway, counted and logged.
/// </summary>
internal sealed partial class StreamDeclareTurns(KisGatewayEndpoint endpoint, ILogger logger)
{
    /// <summary>How long a declarer waits for its turn before it declares without one.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, object?> Arguments = new()
    {
        ["x-single-active-consumer"] = true,
        ["x-max-length"] = 1, // one token waits, whoever put it: a declarer that died never leaves a pile
        ["x-overflow"] = "drop-head",
        ["x-expires"] = 600_000, // gone 10 minutes after the fleet's last declarer
    };

    private long _withoutTurn, _taken;

    public string Queue => endpoint.Namespace + ".stream-declare";

    /// <summary>Declarations made without a turn (none given within <see cref="Patience"/>).</summary>
    public long WithoutTurn => Interlocked.Read(ref _withoutTurn);

    /// <summary>Turns asked for (tests: how many a fleet process's start takes).</summary>
    public long Taken => Interlocked.Read(ref _taken);

    /// <summary>Runs <paramref name="declare"/> in this process's turn among the namespace's declarers.</summary>
    public async Task<T> InTurnAsync<T>(IConnection connection, Func<Task<T>> declare, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _taken);
        var channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.QueueDeclareAsync(Queue, durable: false, exclusive: false, autoDelete: false, Arguments, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            await channel.BasicQosAsync(0, 1, false, cancellationToken).ConfigureAwait(false);
            var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, _) =>
            {
                turn.TrySetResult(); // held unacknowledged until the channel closes
                return Task.CompletedTask;
            };
            await channel.BasicPublishAsync("", Queue, mandatory: false, new BasicProperties(), ReadOnlyMemory<byte>.Empty, cancellationToken)
                .ConfigureAwait(false);
            await channel.BasicConsumeAsync(Queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
            try
            {
                await turn.Task.WaitAsync(Patience, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.NoTurn(logger, Queue, Patience.TotalSeconds, Interlocked.Increment(ref _withoutTurn));
            }
            return await declare().ConfigureAwait(false);
        }
        finally
        {
            // Closing requeues the token to the next consumer, who becomes the active one: its turn.
            try
            {
                if (channel.IsOpen) await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The connection went (or the close was not answered in time, which RabbitMQ.Client reports as a
                // cancellation nobody asked for: the token given is None): the broker requeues the token all the same.
            }
            channel.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(71, LogLevel.Warning,
            "No turn to declare streams on {Queue} within {Seconds} s: declaring without one ({Count} so far); a publish may meet a stream without a writer")]
        public static partial void NoTurn(ILogger logger, string queue, double seconds, long count);
    }
}
