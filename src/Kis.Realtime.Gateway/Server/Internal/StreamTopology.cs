using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The gateway's broker objects: the durable topic exchange and one durable stream queue per TR bound to it with
/// <c>{TR}.#</c>, which takes both routing keys of the wire: <c>{TR}.{key}</c> (one-key format) and <c>{TR}</c> (keys
/// format, where <c>#</c> matches zero words). Declaring is idempotent; every stream declared once is declared again on each new publisher
/// connection, so records never go to an exchange with nothing bound (they would be lost silently). A stream that exists
/// with other retention keeps it (<see cref="StreamRetention"/>). A fleet's shard declares its streams in turn with the
/// fleet's other shards (<see cref="StreamDeclareTurns"/>): its declare-ok then means a stream with a writer.
/// </summary>
internal sealed class StreamTopology(KisGatewayOptions options, StreamRetention? retention = null, ILogger? logger = null)
{
    private readonly ConcurrentDictionary<string, string> _streams = new();
    private readonly KisGatewayEndpoint _endpoint = options.Endpoint;

    /// <summary>Only in a fleet: a single gateway is its namespace's one declarer (standbys publish nothing).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool>? _declared = options.FleetTakeovers?.DeclaredStreams;

    private readonly StreamDeclareTurns? _turns =
        options.Endpoint.Shard is null ? null : new StreamDeclareTurns(options.Endpoint, logger ?? NullLogger.Instance);

    /// <summary>Fleet: the process's one turn for its shards (<see cref="StreamDeclareBatch"/>), and the streams its plan needs.</summary>
    private readonly StreamDeclareBatch? _batch = options.FleetTakeovers?.Declarations;
    private readonly IReadOnlyList<string> _planStreams = options.FleetUniverse?.Select(u => u.Split(' ')[0]).Distinct(StringComparer.Ordinal)
        .Select(options.Endpoint.StreamFor).ToList() ?? [];

    /// <summary>Declarations made without their turn (<see cref="StreamDeclareTurns.WithoutTurn"/>); 0 outside a fleet.</summary>
    public long DeclaredWithoutTurn => _turns?.WithoutTurn ?? 0;

    /// <summary>Turns this topology asked for (<see cref="StreamDeclareTurns.Taken"/>); 0 outside a fleet.</summary>
    public long TurnsTaken => _turns?.Taken ?? 0;

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
        async Task<bool> Declare()
        {
            await DeclareExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
            await DeclareQueueAsync(connection, stream, cancellationToken).ConfigureAwait(false);
            // Bound only after declare-ok: what the exchange routes here from now on meets a writer.
            await channel.QueueBindAsync(stream, _endpoint.Exchange, trId + ".#", cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        // The process's shards share one turn, which declares every stream of the plan: one shard takes it, the others wait for
        // it rather than queueing for turns of their own (the fleet-wide queue then outgrew the turn's patience at the open).
        if (_batch is not null && _turns is not null && _declared?.ContainsKey(stream) != true)
            await _batch.DeclareAsync(stream, _planStreams, streams => _turns.InTurnAsync(connection, async () =>
            {
                foreach (var s in streams) await DeclareQueueAsync(connection, s, cancellationToken).ConfigureAwait(false);
                return true;
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
        // A stream another run of this process declared in its turn has a writer: no turn needed to declare it again.
        if (_declared?.ContainsKey(stream) == true) await Declare().ConfigureAwait(false);
        else await InTurnAsync(connection, Declare, cancellationToken).ConfigureAwait(false);
        _declared?.TryAdd(stream, true);
        _streams.TryAdd(trId, stream);
        return stream;
    }

    private Task<bool> InTurnAsync(IConnection connection, Func<Task<bool>> declare, CancellationToken cancellationToken) =>
        _turns is null ? declare() : _turns.InTurnAsync(connection, declare, cancellationToken);

    /// <summary>After a reconnect: everything declared before, again (a broker that lost its definitions gets them back).</summary>
    public async Task RedeclareAsync(IConnection connection, IChannel channel, CancellationToken cancellationToken)
    {
        await DeclareExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
        if (_streams.IsEmpty) return;
        // In turn as well: a broker that lost its definitions creates the streams again, for every shard at once.
        await InTurnAsync(connection, async () =>
        {
            foreach (var (trId, stream) in _streams)
            {
                await DeclareQueueAsync(connection, stream, cancellationToken).ConfigureAwait(false);
                await channel.QueueBindAsync(stream, _endpoint.Exchange, trId + ".#", cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
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
