using Kis.Realtime.Gateway;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>Several broker nodes: the URI's host first, then <see cref="KisGatewayEndpoint.ClusterNodes"/> in order, with the URI's TLS.</summary>
public class BrokerNodesTests
{
    [Fact]
    public void A_connection_tries_the_uri_host_then_the_cluster_nodes_in_the_order_given()
    {
        var endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri("amqp://u:p@node1:5681/vh"), ClusterNodes = ["node3:5683", "node2"] };
        var factory = endpoint.CreateFactory("test");
        var nodes = factory.EndpointResolverFactory([factory.Endpoint]).All().ToList();
        Assert.Equal(["node1:5681", "node3:5683", "node2:5672"],
            nodes.Select(n => $"{n.HostName}:{(n.Port == AmqpTcpEndpoint.UseDefaultPort ? 5672 : n.Port)}"));
        Assert.All(nodes, n => Assert.False(n.Ssl.Enabled));
        Assert.Equal("vh", factory.VirtualHost);
    }

    [Fact]
    public void Over_tls_each_node_is_checked_against_its_own_name_on_the_tls_port()
    {
        var endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri("amqps://u:p@node1/"), ClusterNodes = ["node2"] };
        var factory = endpoint.CreateFactory("test");
        var second = factory.EndpointResolverFactory([factory.Endpoint]).All().Last();
        Assert.True(second.Ssl.Enabled);
        Assert.Equal("node2", second.Ssl.ServerName);
        Assert.Equal(AmqpTcpEndpoint.DefaultAmqpSslPort, second.Port);
    }

    [Fact]
    public void Without_cluster_nodes_the_factory_is_unchanged()
    {
        var factory = KisGatewayEndpoint.Default.CreateFactory("test");
        Assert.Single(factory.EndpointResolverFactory([factory.Endpoint]).All());
    }

    [Theory]
    [InlineData("")]
    [InlineData("user@node2:5672")]
    [InlineData("amqp://node2:5672/")]
    [InlineData("node2:notaport")]
    public void A_node_that_is_not_host_and_port_is_refused_when_the_gateway_or_client_is_made(string node)
    {
        var endpoint = KisGatewayEndpoint.Default with { ClusterNodes = [node] };
        Assert.Throws<ArgumentException>(() => new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = endpoint }));
        var options = KisGatewayOptions.Default with { Endpoint = endpoint };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void Stream_replicas_must_be_positive()
        => Assert.Throws<ArgumentOutOfRangeException>(() => (KisGatewayOptions.Default with { StreamReplicas = 0 }).Validate());
}
