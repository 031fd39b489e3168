using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Gateway;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Hosting;

/// <summary>
/// Issue 30 (6e): the active/standby election lived only in the CLI, so a gateway hosted with dependency injection had
/// no failover. <c>AddKisGateway</c> runs the same election as <c>kisrt gateway</c>.
/// </summary>
public sealed class GatewayHostedServiceTests
{
    [RabbitFact]
    public async Task Two_hosts_with_AddKisGateway_are_one_active_and_one_standby_that_takes_over_when_the_first_stops()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        var options = KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            ElectionRetryInterval = TimeSpan.FromMilliseconds(100),
            StreamMaxSegmentSizeBytes = 1024 * 1024,
            StreamMaxLengthBytes = 16L * 1024 * 1024,
        };
        using var first = Build(options);
        await first.StartAsync();
        var firstService = first.Services.GetRequiredService<KisGatewayService>();
        await UntilAsync(() => firstService.Gateway is not null, "the first host to run the gateway");
        using var second = Build(options);
        await second.StartAsync();
        var secondService = second.Services.GetRequiredService<KisGatewayService>();
        await UntilAsync(() => KisGatewayElection.CountStandbysAsync(broker.Endpoint).Result == 1, "the second host to wait as a standby");
        Assert.Equal((GatewayRole.Active, GatewayRole.Standby), (firstService.Role, secondService.Role));
        Assert.Null(secondService.Gateway); // a standby holds no KIS session

        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, ConsumerId = "hosted" });
        await using var ticks = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

        await first.StopAsync().WaitAsync(TestTimeout);
        await UntilAsync(() => secondService.Gateway is not null, "the standby to take over", TimeSpan.FromSeconds(30));
        Assert.Equal(GatewayRole.Active, secondService.Role);
        // The consumer reads on through the new run (its claim restored from the first run's checkpoint, or claimed again).
        var atTakeover = secondService.Gateway!.Status().Received;
        await UntilAsync(() => secondService.Gateway?.Status().Received > atTakeover, "records in the new run");
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        await second.StopAsync().WaitAsync(TestTimeout);
    }

    private static IHost Build(KisGatewayOptions options)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddKisGateway(_ => options);
        return builder.Build();
    }
}
