using System.Text;
using Kis.Realtime.Gateway.PostgreSql.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>The history writer's one "follow a stream, reconnecting" loop (<see cref="StreamConsumerLoop"/>), on its own.</summary>
public sealed class StreamConsumerLoopTests
{
    [RabbitFact]
    public async Task A_consumer_the_broker_cancels_with_its_channel_left_open_is_attached_again()
    {
        // Deleting a stream (an operator re-creating it, a stream member lost in a cluster) cancels its consumers with
        // basic.cancel and leaves the channel open: a loop that waits only for the channel's shutdown reads nothing more.
        await using var broker = await RabbitTestBroker.CreateAsync();
        var stream = broker.Endpoint.RunsStream; // cleaned up with the test's namespace
        await using var connection = await broker.Endpoint.CreateFactory("kisrt-tests-loop").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await DeclareAsync(channel, stream);
        var received = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var loop = new StreamConsumerLoop(broker.Endpoint.CreateFactory("kisrt-tests-loop-reader"), stream, 16, () => "first",
            (readerChannel, _) =>
            {
                var consumer = new AsyncEventingBasicConsumer(readerChannel);
                consumer.ReceivedAsync += async (_, delivery) =>
                {
                    received.Writer.TryWrite(Encoding.UTF8.GetString(delivery.Body.Span));
                    await readerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
                };
                return consumer;
            },
            StreamConsumerLoop.FixedPace(TimeSpan.FromMilliseconds(100)), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => loop.RunAsync(stop.Token));

        await channel.BasicPublishAsync("", stream, Encoding.UTF8.GetBytes("before"));
        Assert.Equal("before", await received.Reader.ReadAsync().AsTask().WaitAsync(TestTimeout));
        Assert.Equal(0, loop.Reattachments);

        await channel.QueueDeleteAsync(stream, ifUnused: false, ifEmpty: false);
        await DeclareAsync(channel, stream);
        await channel.BasicPublishAsync("", stream, Encoding.UTF8.GetBytes("after"));
        Assert.Equal("after", await received.Reader.ReadAsync().AsTask().WaitAsync(TestTimeout));
        Assert.True(loop.Reattachments >= 1, "attached again after the cancel");

        await stop.CancelAsync();
        Assert.Null(await running.WaitAsync(TestTimeout));
        Assert.False(loop.Attached);
    }

    private static Task DeclareAsync(IChannel channel, string stream) =>
        channel.QueueDeclareAsync(stream, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-queue-type"] = "stream" });
}
