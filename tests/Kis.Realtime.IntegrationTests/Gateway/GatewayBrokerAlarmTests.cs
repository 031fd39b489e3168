using System.Diagnostics.Metrics;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway.BrokerRestart;

/// <summary>
/// The broker's disk alarm raised under a running gateway (<c>rabbitmqctl set_disk_free_limit</c> above the free disk):
/// RabbitMQ blocks every publishing connection (connection.blocked) and publishing stops while KIS data goes on. The
/// gateway says so in its status, health check and meter, and publishes again once the alarm clears. Runs alone, after
/// the parallel tests (it blocks every publisher of the local broker), and always restores the limit it found.
/// </summary>
[Collection(nameof(GatewayBrokerAlarmTests))]
public class GatewayBrokerAlarmTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [LocalRabbitFact]
    public async Task A_disk_alarm_blocks_publishing_visibly_and_publishing_resumes_when_it_clears()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            StreamMaxSegmentSizeBytes = 1024 * 1024,
        });
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        await UntilAsync(() => gateway.Status().Confirmed > 0, "records confirmed before the alarm", Long);
        var health = new KisGatewayHealthCheck(gateway);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("kis-gateway", health, null, null) };
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(context)).Status);

        var limit = await DiskFreeLimitAsync();
        try
        {
            await RabbitCtlAsync("set_disk_free_limit", "1000000GB"); // more than any disk has: the alarm goes off at once
            await UntilAsync(() => gateway.Status().BrokerBlocked is not null, "the gateway seeing connection.blocked", Long);
            var blocked = gateway.Status();
            Assert.Contains("disk", blocked.BrokerBlocked, StringComparison.OrdinalIgnoreCase);
            Assert.NotNull(blocked.BrokerBlockedSince);
            var check = await health.CheckHealthAsync(context);
            Assert.Equal(HealthStatus.Unhealthy, check.Status);
            Assert.Contains("blocked", check.Description, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(1, ReadGauge("kis.gateway.broker.blocked"));
            Assert.Contains("broker BLOCKED", Kis.Realtime.Cli.Commands.GatewayCommand.StatusLine(blocked));
            // KIS data goes on into the buffer meanwhile: nothing is confirmed while blocked.
            var atBlock = blocked.Received;
            await UntilAsync(() => gateway.Status().Received >= atBlock + 50, "records buffered while the broker is blocked", Long);
        }
        finally
        {
            await RabbitCtlAsync("set_disk_free_limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        await UntilAsync(() => gateway.Status().BrokerBlocked is null, "the gateway seeing connection.unblocked", Long);
        Assert.True(await gateway.WaitForConfirmsAsync(Long));
        Assert.Equal(0, gateway.Status().Overflowed);
        Assert.Equal(0, ReadGauge("kis.gateway.broker.blocked"));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(context)).Status);
    }

    /// <summary>The node's disk_free_limit in bytes, as configured now (restored after the test).</summary>
    private static async Task<long> DiskFreeLimitAsync()
    {
        var run = await ChildProcess.RunAsync("rabbitmqctl", ["eval", "rabbit_disk_monitor:get_disk_free_limit()."], Long);
        Assert.Equal(0, run.ExitCode);
        return long.Parse(run.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task RabbitCtlAsync(params string[] arguments)
    {
        var run = await ChildProcess.RunAsync("rabbitmqctl", arguments, Long);
        Assert.True(run.ExitCode == 0, $"rabbitmqctl {string.Join(' ', arguments)}: exit {run.ExitCode} {run.Output}{run.Errors}");
    }

    /// <summary>The gauge's latest value from a gateway's meter (every gateway in the process reports; this test runs alone).</summary>
    private static long ReadGauge(string name)
    {
        long value = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KisGateway.MeterName && instrument.Name == name) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((_, measurement, _, _) => value = Math.Max(value, measurement));
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}

[CollectionDefinition(nameof(GatewayBrokerAlarmTests), DisableParallelization = true)]
public sealed class GatewayBrokerAlarmCollection;

/// <summary>
/// A RabbitMQ test that disturbs the local broker for everyone using it (the disk alarm blocks every publisher): only
/// the project's own local one, as root (rabbitmqctl with the rabbitmq user's cookie). Skipped, and says why, when
/// <c>KISRT_TEST_AMQP</c> names another broker, when not root, where RabbitMQ tests are skipped, or with
/// <c>KISRT_SKIP_BROKER_RESTART=1</c> (never in CI): for a developer running other work against the same local broker.
/// </summary>
internal sealed class LocalRabbitFactAttribute : FactAttribute
{
    public LocalRabbitFactAttribute()
    {
        Skip = new RabbitFactAttribute().Skip;
        if (Skip is not null) return;
        if (Environment.GetEnvironmentVariable("KISRT_TEST_AMQP") is { Length: > 0 } other && other != RabbitTestBroker.DefaultUri)
            Skip = "disturbs the broker: only with the project's local RabbitMQ (KISRT_TEST_AMQP names another)";
        else if (Environment.UserName != "root")
            Skip = "changes the local RabbitMQ's settings: needs root (CI runs the tests as root)";
        else if (Environment.GetEnvironmentVariable("KISRT_SKIP_BROKER_RESTART") == "1" && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = "KISRT_SKIP_BROKER_RESTART=1: the tests that disturb the local broker skipped";
    }
}
