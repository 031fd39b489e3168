using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kis.Realtime.Gateway;

/// <summary>
/// The health of one process of a gateway fleet (<see cref="KisGatewayFleet"/>): the worst of its shards' gateways (each
/// judged as <see cref="KisGatewayHealthCheck"/> judges a gateway); Unhealthy (the failure status) while a shard failed
/// here and was not served here since (<see cref="GatewayFleetShardStatus.Failure"/>); Degraded while it holds a shard whose gateway has not
/// started, or more shards than its fair share (the fleet is still balancing, or the other processes cannot take them);
/// Unhealthy while a shard's election cannot reach the broker (<see cref="GatewayFleetShardStatus.BrokerProblem"/>, a lost
/// connection included) for two election heartbeats, Degraded before (a 1 s broker blip must not fail every process at once);
/// Healthy as a standby holding no shard, a candidate for each. The data carry the process, the live processes, the fair share and, per
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
            ["plan"] = status.PlanFingerprint,
            ["other_plan_processes"] = status.OtherPlanProcesses,
            ["shards"] = string.Join(",", checks.Select(c => $"{c.Shard}:{c.Health?.Status.ToString() ?? "starting"}")),
            ["registrations"] = string.Join(",", held.Select(s => $"{s.Shard}:{s.Gateway?.Registrations.Count ?? 0}")),
        };
        var failed = status.Shards.FirstOrDefault(s => s.Failure is not null);
        if (failed is not null) data["failed_shards"] = string.Join(",", status.Shards.Where(s => s.Failure is not null).Select(s => $"{s.Shard}:{s.Failure}"));
        // A standby whose elections cannot reach the broker takes nothing over: not the healthy standby it looks like.
        var unreachable = status.Shards.Where(s => s.Failure is null && s.BrokerProblem is not null)
            .OrderByDescending(s => s.BrokerProblemPersists).FirstOrDefault();
        var worst = checks.Where(c => c.Health is not null).OrderBy(c => c.Health!.Value.Status).FirstOrDefault();
        var result =
            status.OtherPlanProcesses > 0
                ? new HealthCheckResult(failure, $"{status.OtherPlanProcesses} live process(es) in this namespace run another fleet plan than this one "
                    + $"({status.PlanFingerprint}); every process needs the same app keys and universe, in the same order.", data: data)
            : failed is not null
                ? new HealthCheckResult(failure, $"Shard {failed.Shard}: this process could not serve it ({failed.Failure}); it left the shard's election "
                    + "for another process and joins again after a back-off.", data: data)
            : unreachable is not null
                ? new HealthCheckResult(unreachable.BrokerProblemPersists ? failure : HealthStatus.Degraded,
                    $"Shard {unreachable.Shard}: not a candidate in its election ({unreachable.BrokerProblem}): "
                    + "this process could not take it over.", data: data)
            : worst.Health is { Status: var bad } health && bad != HealthStatus.Healthy
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
