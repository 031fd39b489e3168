using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway;

/// <summary>
/// What the gateway and its consumers share: the broker and the names under it. Every name starts with
/// <see cref="Namespace"/> (requests queue <c>{ns}.requests</c>, exchange <c>{ns}.records</c>, one stream queue
/// <c>{ns}.{TR}</c> per TR), so several gateways (or tests) can share one broker.
/// </summary>
public sealed record KisGatewayEndpoint
{
    /// <summary>RabbitMQ on this machine with the guest user (which RabbitMQ admits from loopback only).</summary>
    public static KisGatewayEndpoint Default { get; } = new();

    /// <summary>The broker, e.g. <c>amqp://user:password@host:5672/vhost</c>.</summary>
    public Uri AmqpUri { get; init; } = new("amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>The prefix of every queue and exchange name.</summary>
    public string Namespace { get; init; } = "kis";

    /// <summary>The queue the gateway takes requests from.</summary>
    public string RequestQueue => Namespace + ".requests";

    /// <summary>The topic exchange every record is published to, with routing key <c>{TR}.{key}</c>.</summary>
    public string Exchange => Namespace + ".records";

    /// <summary>The stream queue holding every record of a TR.</summary>
    public string StreamFor(string trId) => Namespace + "." + trId;

    /// <summary>The AMQP connection factory for this endpoint (automatic recovery off: the owners reconnect themselves).</summary>
    internal RabbitMQ.Client.ConnectionFactory CreateFactory(string clientName) => new()
    {
        Uri = AmqpUri,
        ClientProvidedName = clientName,
        AutomaticRecoveryEnabled = false,
        TopologyRecoveryEnabled = false,
        RequestedHeartbeat = TimeSpan.FromSeconds(20),
    };

    /// <summary>The URI without its password, for logs and status.</summary>
    public string DisplayUri => new UriBuilder(AmqpUri) { Password = AmqpUri.UserInfo.Contains(':') ? "***" : "" }.Uri.ToString();
}

/// <summary>The gateway's settings: its KIS client, its broker and the stream retention.</summary>
public sealed record KisGatewayOptions
{
    /// <summary>Defaults for everything but <see cref="Client"/>.</summary>
    public static KisGatewayOptions Default { get; } = new();

    /// <summary>The KIS client the gateway holds (credentials, server). Its full mode is forced to <see cref="KisFullMode.Wait"/>: the gateway never lets the client drop.</summary>
    public KisRealtimeOptions Client { get; init; } = KisRealtimeOptions.Default;

    /// <summary>The broker and names.</summary>
    public KisGatewayEndpoint Endpoint { get; init; } = KisGatewayEndpoint.Default;

    /// <summary>Stream retention by age (<c>x-max-age</c>, RabbitMQ's syntax: 7D, 12h, 30m …).</summary>
    public string StreamMaxAge { get; init; } = "7D";

    /// <summary>Stream retention by size, per TR (<c>x-max-length-bytes</c>).</summary>
    public long StreamMaxLengthBytes { get; init; } = 20L * 1024 * 1024 * 1024;

    /// <summary>Stream segment size (<c>x-stream-max-segment-size-bytes</c>): retention removes whole segments.</summary>
    public long StreamMaxSegmentSizeBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>How long a KIS registration nobody wants is kept before it is released (a consumer restarting keeps it).</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A consumer's claim on a registration lasts this long unless renewed (consumers renew at a third of it).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Records held for the broker (waiting to be published, or published and not yet confirmed). Beyond it records are dropped and counted.</summary>
    public int BufferCapacity { get; init; } = 1_000_000;

    /// <summary>Records published and not yet confirmed, at most.</summary>
    public int MaxOutstandingConfirms { get; init; } = 20_000;

    /// <summary>
    /// Records of one (TR, key) packed into one AMQP message, at most, when they are already waiting together (the
    /// publisher never waits for more: at low rates each message is one record). 1 publishes one record per message.
    /// </summary>
    public int MaxRecordsPerMessage { get; init; } = 64;

    /// <summary>Delay before reconnecting to the broker, doubling up to <see cref="BrokerReconnectMaxDelay"/>.</summary>
    public TimeSpan BrokerReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay between broker reconnect attempts.</summary>
    public TimeSpan BrokerReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the status line is logged (and the publish rate computed).</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Logs; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The gateway's <see cref="System.Diagnostics.Metrics.Meter"/> comes from here when set.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>Further destinations for every record received (see <see cref="IGatewayRecordSink"/>); none by default.</summary>
    public IReadOnlyList<IGatewayRecordSink> Sinks { get; init; } = [];

    /// <summary>Clock for leases, linger and rates.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Client);
        ArgumentNullException.ThrowIfNull(Endpoint);
        ArgumentNullException.ThrowIfNull(Sinks);
        if (string.IsNullOrWhiteSpace(Endpoint.Namespace)) throw new ArgumentException("The endpoint namespace is empty.", nameof(Endpoint));
        if (Linger < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Linger), "Must not be negative.");
        if (Lease <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Lease), "Must be positive.");
        if (BufferCapacity <= 0) throw new ArgumentOutOfRangeException(nameof(BufferCapacity), "Must be positive.");
        if (MaxOutstandingConfirms <= 0) throw new ArgumentOutOfRangeException(nameof(MaxOutstandingConfirms), "Must be positive.");
        if (MaxRecordsPerMessage <= 0) throw new ArgumentOutOfRangeException(nameof(MaxRecordsPerMessage), "Must be positive.");
        if (StreamMaxLengthBytes <= 0 || StreamMaxSegmentSizeBytes <= 0) throw new ArgumentOutOfRangeException(nameof(StreamMaxLengthBytes), "Must be positive.");
    }
}
