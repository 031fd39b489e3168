using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kis.Realtime.Tests.Hosting;

/// <summary>Keyed clients, and <see cref="IKisRealtimeClient"/> from either source by configuration.</summary>
public class KeyedClientsAndSourceTests
{
    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    /// <summary>Takes a keyed client the way an application's class does.</summary>
    private sealed class PaperTrader([FromKeyedServices("paper")] IKisRealtimeClient client)
    {
        public IKisRealtimeClient Client { get; } = client;
    }

    [Fact]
    public async Task Two_keyed_clients_bind_their_own_sections_and_inject_by_key()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(50) });
        var configuration = Configuration(new()
        {
            ["Kis:Real:AppKey"] = SimulatorOptions.DefaultAppKey,
            ["Kis:Real:AppSecret"] = SimulatorOptions.DefaultAppSecret,
            ["Kis:Real:WebSocketUrl"] = sim.WebSocketUrl.ToString(),
            ["Kis:Real:RestBaseUrl"] = sim.RestBaseUrl.ToString(),
            ["Kis:Real:SubscriptionCapacity"] = "300",
            ["Kis:Paper:AppKey"] = "PSpaperAppKey",
            ["Kis:Paper:AppSecret"] = "paper-secret",
            ["Kis:Paper:Environment"] = "Paper",
            ["Kis:Paper:SubscriptionCapacity"] = "400",
        });
        var services = new ServiceCollection()
            .AddKisRealtime("real", configuration.GetSection("Kis:Real"))
            .AddKisRealtime("paper", configuration.GetSection("Kis:Paper"))
            .AddSingleton<PaperTrader>();
        await using var provider = services.BuildServiceProvider();

        var real = provider.GetRequiredKeyedService<KisRealtimeClient>("real");
        var paper = Assert.IsType<KisRealtimeClient>(provider.GetRequiredService<PaperTrader>().Client);
        Assert.NotSame(real, paper);
        Assert.Same(real, provider.GetRequiredKeyedService<IKisRealtimeClient>("real"));
        Assert.Equal(300, real.Options.SubscriptionCapacity);
        Assert.Equal(400, paper.Options.SubscriptionCapacity);
        Assert.Equal(KisEnvironment.Paper, paper.Options.Environment);
        Assert.Null(provider.GetService<IKisRealtimeClient>()); // no unkeyed client was asked for

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var tick in real.SubscribeIndexTicksAsync("0001").WithCancellation(cts.Token))
        {
            Assert.NotEqual(0m, tick.Value);
            break;
        }
    }

    [Fact]
    public async Task A_keyed_client_with_a_missing_secret_fails_host_start_naming_its_key()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kis:Real:AppKey"] = "PSrealkey",
            ["Kis:Real:AppSecret"] = "real-secret",
            ["Kis:Paper:AppKey"] = "PSpaperkey",
        });
        builder.Services.AddKisRealtime("real", builder.Configuration.GetSection("Kis:Real"));
        builder.Services.AddKisRealtime("paper", builder.Configuration.GetSection("Kis:Paper"));
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Kis:Paper:AppKey and Kis:Paper:AppSecret go together", e.Message);
        Assert.DoesNotContain("Kis:Real", e.Message);
        Assert.DoesNotContain("real-secret", e.Message);
    }

    [Fact]
    public async Task Source_Direct_or_unset_gives_a_direct_client()
    {
        foreach (var source in new[] { null, "Direct", "direct" })
        {
            var configuration = Configuration(new() { ["Kis:Source"] = source, ["Kis:AppKey"] = "PSkey", ["Kis:AppSecret"] = "secret" });
            await using var provider = new ServiceCollection().AddKisRealtimeClient(configuration.GetSection("Kis")).BuildServiceProvider();
            Assert.IsType<KisRealtimeClient>(provider.GetRequiredService<IKisRealtimeClient>());
        }
    }

    [Fact]
    public async Task Source_Gateway_gives_a_gateway_client_bound_from_the_Gateway_section()
    {
        var configuration = Configuration(new()
        {
            ["Kis:Source"] = "Gateway",
            ["Kis:Gateway:AmqpUri"] = "amqp://app:pw@127.0.0.1:5672/kisvhost",
            ["Kis:Gateway:Namespace"] = "desk",
            ["Kis:Gateway:ConsumerId"] = "desk-7",
            ["Kis:Gateway:HtsId"] = "myhts",
            ["Kis:Gateway:SubscriptionCapacity"] = "123",
        });
        await using var provider = new ServiceCollection().AddKisRealtimeClient(configuration.GetSection("Kis")).BuildServiceProvider();
        var client = Assert.IsType<KisGatewayClient>(provider.GetRequiredService<IKisRealtimeClient>());
        Assert.Same(client, provider.GetRequiredService<KisGatewayClient>());
        Assert.Equal("desk", client.Options.Endpoint.Namespace);
        Assert.Equal(new Uri("amqp://app:pw@127.0.0.1:5672/kisvhost"), client.Options.Endpoint.AmqpUri);
        Assert.Equal("desk-7", client.Options.ConsumerId);
        Assert.Equal("myhts", client.HtsId);
        Assert.Equal(123, client.Options.SubscriptionCapacity);
    }

    [Fact]
    public async Task Keyed_clients_of_both_sources_side_by_side()
    {
        var configuration = Configuration(new()
        {
            ["A:AppKey"] = "PSkey", ["A:AppSecret"] = "secret",
            ["B:Source"] = "Gateway", ["B:Gateway:Namespace"] = "b",
        });
        await using var provider = new ServiceCollection()
            .AddKisRealtimeClient(configuration.GetSection("A"), "a")
            .AddKisRealtimeClient(configuration.GetSection("B"), "b")
            .BuildServiceProvider();
        Assert.IsType<KisRealtimeClient>(provider.GetRequiredKeyedService<IKisRealtimeClient>("a"));
        Assert.Equal("b", Assert.IsType<KisGatewayClient>(provider.GetRequiredKeyedService<IKisRealtimeClient>("b")).Options.Endpoint.Namespace);
    }

    [Fact]
    public void An_unknown_source_is_refused_naming_the_key()
    {
        var configuration = Configuration(new() { ["Kis:Source"] = "Kafka" });
        var e = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddKisRealtimeClient(configuration.GetSection("Kis")));
        Assert.Contains("Kis:Source must be Direct or Gateway, not 'Kafka'", e.Message);
    }
}
