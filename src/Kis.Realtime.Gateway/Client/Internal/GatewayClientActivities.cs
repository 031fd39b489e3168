using System.Diagnostics;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The gateway client's spans, on the direct client's source (<see cref="KisRealtimeClient.ActivitySourceName"/>): one
/// <c>AddSource("Kis.Realtime")</c> traces either client. Spans for the rare steps only — connecting to the broker
/// (<c>kis.gateway.connect</c>, again after a loss <c>kis.gateway.reconnect</c>) and subscribing
/// (<c>kis.gateway.subscribe</c>: stream, attach, claim) — never one per record. No password, no server text.
/// </summary>
internal static class GatewayClientActivities
{
    public const string Connect = "kis.gateway.connect";
    public const string Reconnect = "kis.gateway.reconnect";
    public const string Subscribe = "kis.gateway.subscribe";

    private static readonly ActivitySource Source = new(KisRealtimeClient.ActivitySourceName,
        typeof(GatewayClientActivities).Assembly.GetName().Version?.ToString());

    /// <summary>A connection attempt to the broker (null when nobody listens).</summary>
    public static Activity? StartConnect(bool again, KisGatewayEndpoint endpoint)
    {
        var activity = Source.StartActivity(again ? Reconnect : Connect, ActivityKind.Client);
        if (activity is null) return null;
        activity.SetTag("messaging.system", "rabbitmq");
        activity.SetTag("server.address", endpoint.AmqpUri.Host);
        activity.SetTag("server.port", endpoint.AmqpUri.IsDefaultPort ? (endpoint.AmqpUri.Scheme == "amqps" ? 5671 : 5672) : endpoint.AmqpUri.Port);
        activity.SetTag("kis.gateway.namespace", endpoint.Namespace);
        return activity;
    }

    /// <summary>A subscription's request to the gateway, up to its claim granted or refused.</summary>
    public static Activity? StartSubscribe(string trId, string key)
    {
        var activity = Source.StartActivity(Subscribe, ActivityKind.Client);
        activity?.SetTag("kis.tr_id", trId);
        activity?.SetTag("kis.tr_key", key);
        return activity;
    }

    /// <summary>Marks the span failed: KIS's code for a refusal, the gateway's reason, or else the exception's type.</summary>
    public static void Fail(Activity? activity, Exception e)
    {
        if (activity is null) return;
        var type = e switch
        {
            KisGatewayRefusedException refused => refused.Reason,
            KisSubscriptionException { MsgCd: { } code } => code,
            _ => e.GetType().FullName,
        };
        activity.SetTag("error.type", type);
        activity.SetStatus(ActivityStatusCode.Error, type);
    }
}
