namespace Kis.Realtime.Gateway;

/// <summary>
/// The configuration-bindable form of <see cref="KisGatewayClientOptions"/>, e.g. the section <c>Kis:Gateway</c>:
/// <code>
/// "Kis": { "Source": "Gateway", "Gateway": { "AmqpUri": "amqp://app:…@mq:5672/", "Namespace": "kis", "HtsId": "myhtsid" } }
/// </code>
/// Unset values keep the defaults of <see cref="KisGatewayClientOptions.Default"/>. Keep a password in the AMQP URI in
/// user secrets or the environment (<c>Kis__Gateway__AmqpUri</c>).
/// </summary>
public sealed class KisGatewayClientSettings
{
    /// <summary>The broker, e.g. <c>amqp://user:password@host:5672/vhost</c> (default: the local broker as guest).</summary>
    public Uri? AmqpUri { get; set; }

    /// <summary>Further nodes of the broker's cluster, <c>host:port</c> each (see <see cref="KisGatewayEndpoint.ClusterNodes"/>).</summary>
    public string[]? ClusterNodes { get; set; }

    /// <summary>The gateway's namespace, the prefix of its queues (default <c>kis</c>).</summary>
    public string? Namespace { get; set; }

    /// <summary>This consumer's name at the gateway (default: machine, process and a random suffix).</summary>
    public string? ConsumerId { get; set; }

    /// <summary>The HTS ID for the notice helpers.</summary>
    public string? HtsId { get; set; }

    /// <summary>See <see cref="KisGatewayClientOptions.Prefetch"/>.</summary>
    public ushort? Prefetch { get; set; }

    /// <summary>See <see cref="KisGatewayClientOptions.SubscriptionCapacity"/>.</summary>
    public int? SubscriptionCapacity { get; set; }

    /// <summary>See <see cref="KisGatewayClientOptions.RequestTimeout"/>.</summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>Connect to the broker when the host starts, so an unreachable broker fails the start.</summary>
    public bool ConnectOnStart { get; set; }

    /// <summary>The options these settings describe, on top of <paramref name="baseOptions"/> (default:
    /// <see cref="KisGatewayClientOptions.Default"/>).</summary>
    public KisGatewayClientOptions ToOptions(KisGatewayClientOptions? baseOptions = null)
    {
        var o = baseOptions ?? KisGatewayClientOptions.Default;
        if (AmqpUri is not null) o = o with { Endpoint = o.Endpoint with { AmqpUri = AmqpUri } };
        if (ClusterNodes is { Length: > 0 } nodes) o = o with { Endpoint = o.Endpoint with { ClusterNodes = nodes } };
        if (!string.IsNullOrEmpty(Namespace)) o = o with { Endpoint = o.Endpoint with { Namespace = Namespace } };
        if (!string.IsNullOrEmpty(ConsumerId)) o = o with { ConsumerId = ConsumerId };
        if (HtsId is not null) o = o with { HtsId = HtsId };
        if (Prefetch is { } prefetch) o = o with { Prefetch = prefetch };
        if (SubscriptionCapacity is { } capacity) o = o with { SubscriptionCapacity = capacity };
        if (RequestTimeout is { } timeout) o = o with { RequestTimeout = timeout };
        return o;
    }
}
