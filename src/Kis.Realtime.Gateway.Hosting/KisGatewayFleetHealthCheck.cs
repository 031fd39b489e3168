using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kis.Realtime.Gateway;

/// <summary>
/// The health of one process of a gateway fleet (<see cref="KisGatewayFleet"/>): the worst of its shards' gateways (each
/// judged as <see cref="KisGatewayHealthCheck"/> judges a gateway); Degraded while it holds a shard whose gateway has not
/// started, or more shards than its fair share (the fleet is still balancing, or the other processes cannot take them);
/// Healthy as a standby holding no shard. The data carry the process, the live processes, the fair share and, per
/// shard held, its registrations and state.
/// </summary>
public sealed class KisGatewayFleetHealthCheck(KisGatewayFleet fleet) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var status = fleet.Status();
        var held = status.Shards.Where(s => s.Role == GatewayRole.Active).ToList();
        var failure = context.Registration.FailureStatus;
        var checks = held.Select(s => (s.Shard, Health: s.Gateway is { } g ? KisGatewayHealthCheck.Evaluate(g, failure) : (HealthCheckResult?)null)).ToList();
        var data = new Dictionary<string, object>
        {
            ["process"] = status.Process,
            ["live_processes"] = status.LiveProcesses,
            ["fair_share"] = status.FairShare,
            ["shards"] = string.Join(",", checks.Select(c => $"{c.Shard}:{c.Health?.Status.ToString() ?? "starting"}")),
            ["registrations"] = string.Join(",", held.Select(s => $"{s.Shard}:{s.Gateway?.Registrations.Count ?? 0}")),
        };
        var worst = checks.Where(c => c.Health is not null).OrderBy(c => c.Health!.Value.Status).FirstOrDefault();
        var result =
            worst.Health is { Status: var bad } health && bad != HealthStatus.Healthy
                ? new HealthCheckResult(bad, $"Shard {worst.Shard}: {health.Description}", data: data)
            : checks.Any(c => c.Health is null) ? HealthCheckResult.Degraded("A shard's gateway is starting.", data: data)
            : held.Count > status.FairShare
                ? HealthCheckResult.Degraded($"Holding {held.Count} shards, more than the fair share {status.FairShare}.", data: data)
            : held.Count == 0 ? HealthCheckResult.Healthy("Standby: a candidate for every shard, holding none.", data)
            : HealthCheckResult.Healthy($"Holding {held.Count} shard(s), publishing.", data);
        return Task.FromResult(result);
    }
}

/// <summary>Adds a fleet process's health check to <c>services.AddHealthChecks()</c>.</summary>
public static class KisGatewayFleetHealthChecksBuilderExtensions
{
    /// <summary>Checks the <see cref="KisGatewayFleet"/> <paramref name="fleet"/> returns.</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="fleet">Where the running fleet process comes from.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported when failing (default Unhealthy).</param>
    /// <param name="tags">Tags.</param>
    public static IHealthChecksBuilder AddKisGatewayFleetCheck(this IHealthChecksBuilder builder, Func<IServiceProvider, KisGatewayFleet> fleet,
        string name = "kis-gateway-fleet", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(fleet);
        return builder.Add(new HealthCheckRegistration(name, sp => new KisGatewayFleetHealthCheck(fleet(sp)), failureStatus, tags));
    }
}
