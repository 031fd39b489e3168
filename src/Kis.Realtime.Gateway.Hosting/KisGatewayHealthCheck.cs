using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kis.Realtime.Gateway;

/// <summary>
/// The health of a running <see cref="KisGateway"/>, from its <see cref="KisGateway.Status"/>: Unhealthy when the
/// publisher has lost the broker, the broker blocks publishing (a resource alarm: nothing is published) or a KIS session
/// is faulted; Degraded while a session connects or reconnects, or the
/// publisher's buffer is over 80 % full (records are about to be dropped); Healthy otherwise. The data carry the
/// figures (sessions by state, buffer, overflowed, confirms outstanding), app keys masked.
/// </summary>
public sealed class KisGatewayHealthCheck(KisGateway gateway) : IHealthCheck
{
    /// <summary>The buffer fill (depth / capacity) from which the gateway reports Degraded.</summary>
    public const double BufferWarningFill = 0.8;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult(Evaluate(gateway.Status(), context.Registration.FailureStatus));
    }

    /// <summary>The health of one gateway from its status (also each fleet shard's, <see cref="KisGatewayFleetHealthCheck"/>).</summary>
    internal static HealthCheckResult Evaluate(GatewayStatus status, HealthStatus failureStatus)
    {
        var data = new Dictionary<string, object>
        {
            ["broker_connected"] = status.BrokerConnected,
            ["broker_blocked"] = status.BrokerBlocked ?? "",
            ["sessions"] = string.Join(",", status.Sessions.Select(s => $"{s.AppKey}:{s.State}")),
            ["registrations"] = status.Registrations.Count,
            ["consumers"] = status.Consumers,
            ["buffer_depth"] = status.BufferDepth,
            ["buffer_capacity"] = status.BufferCapacity,
            ["overflowed"] = status.Overflowed,
            ["confirms_outstanding"] = status.ConfirmsOutstanding,
        };
        HealthCheckResult Failed(string why) => new(failureStatus, why, data: data);
        var result =
            !status.BrokerConnected ? Failed("The publisher is not connected to the broker.")
            : status.BrokerBlocked is { } blocked
                ? Failed($"The broker has blocked publishing since {status.BrokerBlockedSince:u} ({blocked}): records wait in the buffer.")
            : status.Sessions.Any(s => s.State == KisConnectionState.Faulted) ? Failed("A KIS session is faulted.")
            : status.Sessions.Any(s => s.State is KisConnectionState.Connecting or KisConnectionState.Reconnecting)
                ? HealthCheckResult.Degraded("A KIS session is connecting.", data: data)
            : status.BufferCapacity > 0 && status.BufferDepth >= status.BufferCapacity * BufferWarningFill
                ? HealthCheckResult.Degraded($"The publisher's buffer is {status.BufferDepth}/{status.BufferCapacity} full.", data: data)
            : HealthCheckResult.Healthy("Publishing.", data);
        return result;
    }
}

/// <summary>Adds the gateway's health check to <c>services.AddHealthChecks()</c>.</summary>
public static class KisGatewayHealthChecksBuilderExtensions
{
    /// <summary>Checks the <see cref="KisGateway"/> <paramref name="gateway"/> returns (e.g. one registered in the container).</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="gateway">Where the running gateway comes from, e.g. <c>sp => sp.GetRequiredService&lt;KisGateway&gt;()</c>.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported when failing (default Unhealthy).</param>
    /// <param name="tags">Tags.</param>
    public static IHealthChecksBuilder AddKisGatewayCheck(this IHealthChecksBuilder builder, Func<IServiceProvider, KisGateway> gateway,
        string name = "kis-gateway", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(gateway);
        return builder.Add(new HealthCheckRegistration(name, sp => new KisGatewayHealthCheck(gateway(sp)), failureStatus, tags));
    }
}
