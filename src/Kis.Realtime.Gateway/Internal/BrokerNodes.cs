using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The nodes of a RabbitMQ cluster a connection may go to: the endpoint's URI first, then each of
/// <see cref="KisGatewayEndpoint.ClusterNodes"/> in the order given, the first that answers winning (RabbitMQ.Client's
/// own resolver shuffles them; an order the operator chose is easier to reason about, and several consumers can be
/// spread by giving them different orders). Credentials, virtual host and TLS come from the URI for every node.
/// </summary>
internal static class BrokerNodes
{
    /// <summary>Parses one <c>host:port</c> (or <c>host</c>, <c>[::1]:5672</c>) into an endpoint with TLS as the factory has it.</summary>
    /// <exception cref="ArgumentException">Empty, or not a host and port.</exception>
    public static AmqpTcpEndpoint Parse(string node, SslOption factoryTls)
    {
        if (string.IsNullOrWhiteSpace(node) || node.Length > 300 || node.AsSpan().IndexOfAny('/', '@') >= 0)
            throw new ArgumentException($"A cluster node must be 'host:port' (got '{(node is { Length: > 60 } ? node[..60] + "…" : node)}').",
                nameof(KisGatewayEndpoint.ClusterNodes));
        AmqpTcpEndpoint parsed;
        try
        {
            parsed = AmqpTcpEndpoint.Parse(node.Trim());
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new ArgumentException($"A cluster node must be 'host:port' (got '{node}').", nameof(KisGatewayEndpoint.ClusterNodes), e);
        }
        if (parsed.Port is <= 0 or > 65535 && parsed.Port != AmqpTcpEndpoint.UseDefaultPort)
            throw new ArgumentException($"A cluster node's port must be 1-65535 (got '{node}').", nameof(KisGatewayEndpoint.ClusterNodes));
        // The same TLS as the URI's, with this node's name as the one its certificate must carry.
        var tls = new SslOption(parsed.HostName, factoryTls.CertPath, factoryTls.Enabled)
        {
            Version = factoryTls.Version,
            AcceptablePolicyErrors = factoryTls.AcceptablePolicyErrors,
            CertificateValidationCallback = factoryTls.CertificateValidationCallback,
            CheckCertificateRevocation = factoryTls.CheckCertificateRevocation,
        };
        // Without a port, AMQP's default for the URI's scheme (Parse alone would give 5672 also for amqps).
        var trimmed = node.Trim();
        var explicitPort = trimmed.LastIndexOf(':') > trimmed.LastIndexOf(']');
        var port = explicitPort ? parsed.Port : tls.Enabled ? AmqpTcpEndpoint.DefaultAmqpSslPort : 5672;
        return new AmqpTcpEndpoint(parsed.HostName, port, tls);
    }

    /// <summary>Makes <paramref name="factory"/> try its own endpoint, then the cluster nodes, in order.</summary>
    public static void Apply(ConnectionFactory factory, IReadOnlyList<string> clusterNodes)
    {
        if (clusterNodes.Count == 0) return;
        var nodes = new List<AmqpTcpEndpoint>(clusterNodes.Count + 1) { factory.Endpoint };
        foreach (var node in clusterNodes)
        {
            var parsed = Parse(node, factory.Ssl);
            nodes.Add(new AmqpTcpEndpoint(parsed.HostName, parsed.Port, parsed.Ssl, factory.MaxInboundMessageBodySize));
        }
        factory.EndpointResolverFactory = _ => new InOrder(nodes);
    }

    /// <summary>Checks every node parses (at start, rather than at the first reconnect).</summary>
    public static void Validate(KisGatewayEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint.ClusterNodes, nameof(KisGatewayEndpoint.ClusterNodes));
        foreach (var node in endpoint.ClusterNodes) Parse(node, new SslOption());
    }

    private sealed class InOrder(IReadOnlyList<AmqpTcpEndpoint> nodes) : IEndpointResolver
    {
        public IEnumerable<AmqpTcpEndpoint> All() => nodes;
    }
}
