using System.Collections.Concurrent;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway;

/// <summary>
/// The gateway's broker objects: the durable topic exchange and one durable stream queue per TR bound to it with
/// <c>{TR}.#</c>. Declaring is idempotent; every stream declared once is declared again on each new publisher
/// connection, so records never go to an exchange with nothing bound (they would be lost silently).
/// </summary>
internal sealed class StreamTopology(KisGatewayOptions options)
{
    private readonly ConcurrentDictionary<string, string> _streams = new();
    private readonly KisGatewayEndpoint _endpoint = options.Endpoint;

    public IEnumerable<string> Streams => _streams.Values;

    public async Task DeclareExchangeAsync(IChannel channel, CancellationToken cancellationToken)
        => await channel.ExchangeDeclareAsync(_endpoint.Exchange, ExchangeType.Topic, durable: true, autoDelete: false,
            cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Declares the exchange and the stream of <paramref name="trId"/>; returns the stream's name.</summary>
    public async Task<string> DeclareStreamAsync(IChannel channel, string trId, CancellationToken cancellationToken)
    {
        var stream = _endpoint.StreamFor(trId);
        if (_streams.ContainsKey(trId)) return stream;
        await DeclareExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
        await DeclareQueueAsync(channel, stream, cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(stream, _endpoint.Exchange, trId + ".#", cancellationToken: cancellationToken).ConfigureAwait(false);
        _streams.TryAdd(trId, stream);
        return stream;
    }

    /// <summary>After a reconnect: everything declared before, again (a broker that lost its definitions gets them back).</summary>
    public async Task RedeclareAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await DeclareExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
        foreach (var (trId, stream) in _streams)
        {
            await DeclareQueueAsync(channel, stream, cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(stream, _endpoint.Exchange, trId + ".#", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private Task DeclareQueueAsync(IChannel channel, string stream, CancellationToken cancellationToken)
    {
        var arguments = new Dictionary<string, object?>
        {
            ["x-queue-type"] = "stream",
            ["x-max-age"] = options.StreamMaxAge,
            ["x-max-length-bytes"] = options.StreamMaxLengthBytes,
            ["x-stream-max-segment-size-bytes"] = options.StreamMaxSegmentSizeBytes,
        };
        // Only when asked: RabbitMQ takes it when the stream is first created (an existing stream keeps its replicas), and
        // a gateway without the option declares its streams exactly as before.
        if (options.StreamReplicas is { } replicas) arguments["x-initial-cluster-size"] = replicas;
        return channel.QueueDeclareAsync(stream, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancellationToken);
    }
}
