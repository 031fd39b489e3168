using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway.Batching;

/// <summary>
/// Stands in for the gateway's request server: answers every request on <c>{ns}.requests</c> with yes (the stream's
/// name, a lease), so a <see cref="KisGatewayClient"/> can subscribe to what a bare publisher put on the stream.
/// </summary>
internal sealed class AnsweringRequests : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private int _subscribed;

    private AnsweringRequests(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    /// <summary>Subscribe requests answered so far.</summary>
    public int Subscribed => Volatile.Read(ref _subscribed);

    public static async Task<AnsweringRequests> StartAsync(KisGatewayEndpoint endpoint)
    {
        var connection = await endpoint.CreateFactory("kisrt-tests-requests").CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var answering = new AnsweringRequests(connection, channel);
        await channel.QueueDeclareAsync(endpoint.RequestQueue, durable: false, exclusive: false, autoDelete: false);
        await channel.ExchangeDeclareAsync(endpoint.RequestExchange, ExchangeType.Direct, durable: true, autoDelete: false);
        await channel.QueueBindAsync(endpoint.RequestQueue, endpoint.RequestExchange, endpoint.RequestQueue);
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, d) =>
        {
            var request = GatewayJson.Deserialize<GatewayRequest>(d.Body.Span)!;
            if (request.Op == "subscribe") Interlocked.Increment(ref answering._subscribed);
            var reply = new GatewayReply(true, request.Tr, request.Key, request.Tr is null ? null : endpoint.StreamFor(request.Tr), LeaseMs: 30_000);
            var properties = new BasicProperties { CorrelationId = d.BasicProperties.CorrelationId };
            await channel.BasicPublishAsync("", d.BasicProperties.ReplyTo!, false, properties, GatewayJson.Serialize(reply));
        };
        await channel.BasicConsumeAsync(endpoint.RequestQueue, autoAck: true, consumer);
        return answering;
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        _channel.Dispose();
        await _connection.CloseAsync();
        _connection.Dispose();
    }
}
