using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kis.Realtime.Gateway.PostgreSql;

/// <summary>
/// The health of a <see cref="KisPostgresStreamWriter"/>: Unhealthy when the broker refuses it the read of a stream or
/// it is behind (<see cref="KisPostgresWriterLag.Behind"/>: a record the gateway confirmed not stored within
/// <see cref="KisPostgresStreamWriterOptions.BehindAfter"/>); Degraded while a stream waits for the database or the
/// broker; Healthy otherwise. The data carry the lag (records, age) and the committed figures. Add it with
/// <c>services.AddHealthChecks().AddCheck&lt;KisPostgresStreamWriterHealthCheck&gt;("kis-history")</c> beside
/// <see cref="KisGatewayPostgresServiceCollectionExtensions.AddKisPostgresStreamWriter"/>.
/// </summary>
public sealed class KisPostgresStreamWriterHealthCheck(KisPostgresStreamWriter writer) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var lag = writer.Lag();
        var streams = writer.Status();
        var data = new Dictionary<string, object>
        {
            ["lag_records"] = lag.Records,
            ["lag_seconds"] = Math.Round(lag.Age.TotalSeconds, 1),
            ["checkpoints_read"] = lag.Checkpoints,
            ["streams"] = streams.Count,
            ["committed_records"] = streams.Sum(s => s.CommittedRecords),
            ["gaps"] = streams.Sum(s => s.Gaps),
        };
        HealthCheckResult Failed(string why) => new(context.Registration.FailureStatus, why, data: data);
        var waiting = streams.Where(s => !s.DatabaseConnected || !s.BrokerConnected).Select(s => s.Stream).ToList();
        var result =
            writer.ReadRefusal.IsCompleted ? Failed(writer.ReadRefusal.Result.Reason)
            : lag.Behind ? Failed($"Behind: {lag.Records} records the gateway confirmed are not stored, the oldest for {lag.Age.TotalSeconds:0} s.")
            : waiting.Count > 0 ? HealthCheckResult.Degraded($"Waiting for the database or the broker: {string.Join(", ", waiting)}.", data: data)
            : HealthCheckResult.Healthy("Storing.", data);
        return Task.FromResult(result);
    }
}
