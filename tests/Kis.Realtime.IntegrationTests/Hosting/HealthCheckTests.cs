using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Gateway;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Hosting;

/// <summary>Health checks of the client, the gateway client and the gateway, through the host's HealthCheckService.</summary>
public class HealthCheckTests
{
    private static async Task<HealthReportEntry> CheckAsync(IServiceProvider provider, string name)
    {
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name);
        return report.Entries[name];
    }

    [Fact]
    public async Task Client_check_follows_the_connection_state()
    {
        await using var sim = await StartSimAsync();
        var services = new ServiceCollection().AddLogging();
        services.AddKisRealtime(s => { s.AppKey = SimulatorOptions.DefaultAppKey; s.AppSecret = SimulatorOptions.DefaultAppSecret; }, (_, o) => Options(sim));
        services.AddHealthChecks().AddKisRealtimeCheck();
        await using var provider = services.BuildServiceProvider();

        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(provider, "kis-realtime")).Status); // not connected yet
        var client = provider.GetRequiredService<KisRealtimeClient>();
        await client.ConnectAsync().WaitAsync(TestTimeout);
        var healthy = await CheckAsync(provider, "kis-realtime");
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal("Connected", healthy.Data["state"]);
    }

    [Fact]
    public async Task Client_check_is_unhealthy_when_the_first_connection_failed()
    {
        using var closed = new RefusingPort();
        var port = closed.Port;
        var services = new ServiceCollection().AddLogging();
        services.AddKisRealtime("dead", new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AppKey"] = "PSdeadAppKey", ["AppSecret"] = "dead-secret",
            ["WebSocketUrl"] = $"ws://127.0.0.1:{port}/", ["RestBaseUrl"] = $"http://127.0.0.1:{port}/",
        }).Build());
        services.AddHealthChecks().AddKisRealtimeCheck("dead-check", serviceKey: "dead");
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredKeyedService<KisRealtimeClient>("dead");
        await Assert.ThrowsAsync<KisConnectionException>(() => client.ConnectAsync().WaitAsync(TestTimeout));
        var entry = await CheckAsync(provider, "dead-check");
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.DoesNotContain("dead-secret", string.Join(",", entry.Data.Values));
    }

    [RabbitFact]
    public async Task Gateway_client_check_is_healthy_once_connected_to_the_broker()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var services = new ServiceCollection().AddLogging();
        services.AddKisGatewayClient(new ConfigurationBuilder().Build(), (_, o) => o with { Endpoint = broker.Endpoint });
        services.AddHealthChecks().AddKisRealtimeCheck("gateway-client");
        await using var provider = services.BuildServiceProvider();

        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(provider, "gateway-client")).Status);
        await provider.GetRequiredService<KisGatewayClient>().ConnectAsync().WaitAsync(TestTimeout);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(provider, "gateway-client")).Status);
    }

    [RabbitFact]
    public async Task Gateway_check_is_healthy_with_the_broker_and_unhealthy_when_a_session_faults()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync();
        // The approval key comes from the simulator; its WebSocket URL has nothing listening: the first connect fails for good.
        using var closed = new RefusingPort();
        var deadWebSocket = new Uri($"ws://127.0.0.1:{closed.Port}/");
        var options = KisGatewayOptions.Default
            with { Client = Options(sim) with { WebSocketUrl = deadWebSocket, RetryOnInitialConnect = false }, Endpoint = broker.Endpoint };
        await using var gateway = await KisGateway.StartAsync(options);
        var services = new ServiceCollection().AddLogging();
        services.AddHealthChecks().AddKisGatewayCheck(_ => gateway);
        await using var provider = services.BuildServiceProvider();

        await UntilAsync(() => gateway.Status().BrokerConnected, "the publisher's broker connection"); // it connects in the background
        var entry = await CheckAsync(provider, "kis-gateway");
        Assert.True(entry.Status is HealthStatus.Healthy, $"{entry.Status}: {entry.Description}"); // broker connected, no session needed yet
        Assert.Equal(true, entry.Data["broker_connected"]);

        await Assert.ThrowsAsync<KisConnectionException>(() => gateway.HoldAsync(Kis.Realtime.KisTrs.IndexTicks, "0001").WaitAsync(TestTimeout));
        await UntilAsync(() => gateway.Status().Sessions.Any(s => s.State == KisConnectionState.Faulted), "a faulted session");
        entry = await CheckAsync(provider, "kis-gateway");
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("faulted", entry.Description);
    }
}
