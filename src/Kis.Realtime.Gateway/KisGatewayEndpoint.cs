using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Kis.Realtime.Gateway.Internal;

namespace Kis.Realtime.Gateway;

/// <summary>
/// What the gateway and its consumers share: the broker and the names under it. Every name starts with
/// <see cref="Namespace"/> (requests queue <c>{ns}.requests</c> fed by exchange <c>{ns}.requests-exchange</c>, records
/// exchange <c>{ns}.records</c>, one stream queue <c>{ns}.{TR}</c> per TR), so several gateways (or tests) can share
/// one broker, and RabbitMQ's permissions (regexes on these names) can tell the gateway's user from its consumers'
/// (docs/gateway-security.md). At the package root: the server, the client and the wire all use it.
/// </summary>
public sealed record KisGatewayEndpoint
{
    /// <summary>RabbitMQ on this machine with the guest user (which RabbitMQ admits from loopback only).</summary>
    public static KisGatewayEndpoint Default { get; } = new();

    /// <summary>The broker, e.g. <c>amqp://user:password@host:5672/vhost</c>, or <c>amqps://…:5671/…</c> for TLS (the
    /// server's certificate is validated: by the system's trust store, or by <see cref="CaCertificateFile"/>).</summary>
    public Uri AmqpUri { get; init; } = new("amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>For <c>amqps://</c>: a PEM file of the certificate authority that signed the broker's certificate (e.g. a
    /// private CA), trusted instead of the system's store. The broker's name must still match its certificate.</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>
    /// Further nodes of the same RabbitMQ cluster, each <c>host:port</c>: a connection goes to <see cref="AmqpUri"/>'s
    /// host first and, when that cannot be reached, to these in the order given (the first that answers). The URI's user,
    /// password, virtual host and TLS apply to every node. A lost connection is opened again the same way, so the gateway
    /// and its consumers carry on through a stopped node (docs/gateway-cluster.md). Empty (the default): one node.
    /// </summary>
    public IReadOnlyList<string> ClusterNodes { get; init; } = [];

    /// <summary>The prefix of every queue and exchange name.</summary>
    public string Namespace { get; init; } = "kis";

    /// <summary>
    /// In a fleet (<see cref="KisGatewayFleet"/>): the shard (an app key's index in the shared credentials list) whose
    /// gateway this endpoint names. A shard has its own election, request queue, standby queue and runs stream
    /// (<c>.shard-{Shard}</c> after each name) and shares the records exchange and the TR streams: consumers see one set of
    /// streams. Null (the default): the namespace's single gateway, or a fleet's claims shard.
    /// </summary>
    public string? Shard { get; init; }

    private string ShardSuffix => Shard is null ? "" : ".shard-" + Shard;

    /// <summary>The queue the gateway takes requests from.</summary>
    public string RequestQueue => Namespace + ".requests" + ShardSuffix;

    /// <summary>The direct exchange consumers publish requests to (routing key <see cref="RequestQueue"/>): a consumer
    /// user needs write permission on it alone, not on the default exchange (which reaches every queue, streams included).</summary>
    public string RequestExchange => Namespace + ".requests-exchange";

    /// <summary>The topic exchange every record is published to, with routing key <c>{TR}.{key}</c>.</summary>
    public string Exchange => Namespace + ".records";

    /// <summary>The exclusive queue the active gateway of this namespace holds (see <see cref="KisGatewayElection"/>).</summary>
    public string ActiveQueue => Namespace + ".gateway-active" + ShardSuffix;

    /// <summary>The queue standby gateways consume (its consumer count is the number of standbys).</summary>
    public string StandbyQueue => Namespace + ".gateway-standbys" + ShardSuffix;

    /// <summary>The stream of the runs' checkpoints: claims and last confirmed records, read by the next run.</summary>
    public string RunsStream => Namespace + ".gateway-runs" + ShardSuffix;

    /// <summary>The queue every process of a fleet consumes (<see cref="KisGatewayFleet"/>): its consumer count is the number of live processes.</summary>
    public string FleetQueue => Namespace + ".gateway-fleet";

    /// <summary>
    /// The start of <paramref name="user"/>'s reply queues, <c>{ns}.reply.{user}.</c>: the gateway answers only into a
    /// queue named so for the request's broker-checked <c>user-id</c>, and the broker lets only that user declare such
    /// names (scripts/rabbitmq-users.sh), so nobody can aim replies into another user's queue.
    /// </summary>
    internal string ReplyQueuePrefixOf(string user) => Namespace + ".reply." + user + ".";

    /// <summary>A new reply queue name of this endpoint's user (the suffix has no dot, so the name tells the user).</summary>
    internal string NewReplyQueue() => ReplyQueuePrefixOf(UserName) + Guid.NewGuid().ToString("N");

    /// <summary>The stream queue holding every record of a TR.</summary>
    public string StreamFor(string trId) => Namespace + "." + trId;

    /// <summary>How long an operation waits for the broker's answer (RabbitMQ.Client's continuation timeout, its default):
    /// tests of a silent broker shorten it.</summary>
    internal TimeSpan BrokerAnswerTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The AMQP connection factory for this endpoint (automatic recovery off: the owners reconnect themselves).</summary>
    [Experimental("KISRT0001")]
    public RabbitMQ.Client.ConnectionFactory CreateFactory(string clientName, uint? maxInboundMessageBodySize = null)
    {
        var factory = new RabbitMQ.Client.ConnectionFactory
        {
            Uri = AmqpUri, // amqps:// turns TLS on, with the host as the name the certificate must carry
            ClientProvidedName = clientName,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = TimeSpan.FromSeconds(20),
            ContinuationTimeout = BrokerAnswerTimeout,
        };
        if (maxInboundMessageBodySize is { } maxBody) factory.MaxInboundMessageBodySize = maxBody;
        if (CaCertificateFile is { } caFile)
        {
            if (!factory.Ssl.Enabled)
                throw new ArgumentException($"A CA certificate file is given, but {DisplayUri} is not amqps://.", nameof(CaCertificateFile));
            factory.Ssl.CertificateValidationCallback = BrokerCertificate.TrustingOnly(caFile);
        }
        BrokerNodes.Apply(factory, ClusterNodes);
        return factory;
    }

    /// <summary>The user the broker knows this endpoint's connections by (RabbitMQ's default, guest, when the URI has none):
    /// the AMQP <c>user-id</c> of requests, which the broker checks against the connection's user.</summary>
    internal string UserName
    {
        get
        {
            var info = AmqpUri.UserInfo;
            if (info.Length == 0) return "guest";
            var colon = info.IndexOf(':', StringComparison.Ordinal);
            return Uri.UnescapeDataString(colon < 0 ? info : info[..colon]);
        }
    }

    /// <summary>One phrase for a log line or the status: what the broker said of <paramref name="fault"/>, naming this
    /// endpoint's user and virtual host.</summary>
    internal string DescribeFault(Exception fault) => Wire.BrokerFault.Describe(fault, UserName, AmqpUri);

    /// <summary>The URI without its password, for logs and status.</summary>
    public string DisplayUri => new UriBuilder(AmqpUri) { Password = AmqpUri.UserInfo.Contains(':', StringComparison.Ordinal) ? "***" : "" }.Uri.ToString();

    /// <summary>The URI without its password: a record's ToString (and the options holding it) ends up in test output and logs.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"AmqpUri = {DisplayUri}, CaCertificateFile = {CaCertificateFile}, ");
        builder.Append(CultureInfo.InvariantCulture, $"ClusterNodes = [{string.Join(", ", ClusterNodes)}], Namespace = {Namespace}, Shard = {Shard}");
        return true;
    }
}
