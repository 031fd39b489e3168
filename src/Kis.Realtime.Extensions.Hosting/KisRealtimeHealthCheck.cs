using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kis.Realtime;

/// <summary>
/// The health of an <see cref="IKisRealtimeClient"/> (a direct <see cref="KisRealtimeClient"/> or a gateway client):
/// Healthy while connected; Degraded while connecting, reconnecting or not connected yet (a client connects with its
/// first subscription); Unhealthy when faulted (the first connection failed and is not retried). The data carry the
/// state and the client's counters, never a key or secret.
/// </summary>
public sealed class KisRealtimeHealthCheck(IKisRealtimeClient client) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = client.State;
        var statistics = client.Statistics;
        var data = new Dictionary<string, object>
        {
            ["state"] = state.ToString(),
            ["registrations"] = statistics.Registrations,
            ["records_received"] = statistics.RecordsReceived,
            ["records_dropped"] = statistics.Dropped,
            ["decode_errors"] = statistics.DecodeErrors,
        };
        var result = state switch
        {
            KisConnectionState.Connected => HealthCheckResult.Healthy("Connected.", data),
            KisConnectionState.Faulted => new HealthCheckResult(context.Registration.FailureStatus, "Faulted: the connection failed and is not being retried.",
                data: data),
            KisConnectionState.Closed => HealthCheckResult.Degraded("Not connected (connects with the first subscription).", data: data),
            _ => HealthCheckResult.Degraded($"{state}.", data: data),
        };
        return Task.FromResult(result);
    }
}

/// <summary>Adds Kis.Realtime health checks to <c>services.AddHealthChecks()</c>.</summary>
public static class KisRealtimeHealthChecksBuilderExtensions
{
    /// <summary>
    /// Checks the container's <see cref="IKisRealtimeClient"/> (the keyed one when <paramref name="serviceKey"/> is given),
    /// whichever registered it: <c>AddKisRealtime</c>, <c>AddKisGatewayClient</c> or <c>AddKisRealtimeClient</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="serviceKey">The client's service key, for a keyed client.</param>
    /// <param name="failureStatus">The status reported when faulted (default Unhealthy).</param>
    /// <param name="tags">Tags, e.g. <c>["ready"]</c>.</param>
    public static IHealthChecksBuilder AddKisRealtimeCheck(this IHealthChecksBuilder builder, string name = "kis-realtime",
        string? serviceKey = null, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name,
            sp => new KisRealtimeHealthCheck(serviceKey is null
                ? sp.GetRequiredService<IKisRealtimeClient>()
                : sp.GetRequiredKeyedService<IKisRealtimeClient>(serviceKey)),
            failureStatus, tags));
    }
}
