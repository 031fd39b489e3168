using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The gateway's broker objects: the durable topic exchange and one durable stream queue per TR bound to it with
/// <c>{TR}.#</c>, which takes both routing keys of the wire: <c>{TR}.{key}</c> (one-key format) and <c>{TR}</c> (keys
/// format, where <c>#</c> matches zero words). Declaring is idempotent; every stream declared once is declared again on each new publisher
/// connection, so records never go to an exchange with nothing bound (they would be lost silently). A stream that exists
/// with other retention keeps it (<see cref="StreamRetention"/>).
/// </summary>
internal sealed class StreamTopology(KisGatewayOptions options, StreamRetention? retention = null)
{
    private readonly ConcurrentDictionary<string, string> _streams = new();
    private readonly KisGatewayEndpoint _endpoint = options.Endpoint;

    public IEnumerable<string> Streams => _streams.Values;

    /// <summary>The streams declared so far that keep other retention than this gateway's.</summary>
    public StreamRetention Retention { get; } = retention ?? new StreamRetention(NullLogger.Instance);

    public async Task DeclareExchangeAsync(IChannel channel, CancellationToken cancellationToken)
        => await channel.ExchangeDeclareAsync(_endpoint.Exchange, ExchangeType.Topic, durable: true, autoDelete: false,
            cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Declares the exchange and the stream of <paramref name="trId"/>; returns the stream's name.</summary>
    public async Task<string> DeclareStreamAsync(IConnection connection, IChannel channel, string trId, CancellationToken cancellationToken)
    {
        var stream = _endpoint.StreamFor(trId);
        if (_streams.ContainsKey(trId)) return stream;
        await DeclareExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
        await DeclareQueueAsync(connection, stream, cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(stream, _endpoint.Exchange, trId + ".#", cancellationToken: cancellationToken).ConfigureAwait(false);
        _streams.TryAdd(trId, stream);
        return stream;
    }

    /// <summary>After a reconnect: everything declared before, again (a broker that lost its definitions gets them back).</summary>
    public async Task RedeclareAsync(IConnection connection, IChannel channel, CancellationToken cancellationToken)
    {
        await DeclareExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
        foreach (var (trId, stream) in _streams)
        {
            await DeclareQueueAsync(connection, stream, cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(stream, _endpoint.Exchange, trId + ".#", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<bool> DeclareQueueAsync(IConnection connection, string stream, CancellationToken cancellationToken)
        => Retention.DeclareAsync(connection, stream, Arguments(options), cancellationToken);

    /// <summary>A TR stream's arguments: its type, retention and, when asked, its replicas.</summary>
    public static Dictionary<string, object?> Arguments(KisGatewayOptions options)
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
        return arguments;
    }
}
