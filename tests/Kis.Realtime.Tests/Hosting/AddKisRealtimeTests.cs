using Kis.Realtime.Simulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kis.Realtime.Tests.Hosting;

public class AddKisRealtimeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static Dictionary<string, string?> SimulatorSection(KisSimulator sim) => new()
    {
        ["Kis:AppKey"] = SimulatorOptions.DefaultAppKey,
        ["Kis:AppSecret"] = SimulatorOptions.DefaultAppSecret,
        ["Kis:HtsId"] = SimulatorOptions.DefaultHtsId,
        ["Kis:WebSocketUrl"] = sim.WebSocketUrl.ToString(),
        ["Kis:RestBaseUrl"] = sim.RestBaseUrl.ToString(),
        ["Kis:SubscriptionCapacity"] = "500",
        ["Kis:ReconnectMinDelay"] = "00:00:00.250",
    };

    [Fact]
    public async Task Client_from_the_container_binds_the_section_and_streams_from_the_simulator()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(50) });
        var clock = new CountingTimeProvider();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(clock)
            .AddKisRealtime(Configuration(SimulatorSection(sim)).GetSection("Kis"));
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<KisRealtimeClient>();
        Assert.Same(provider.GetRequiredService<IKisRealtimeClient>(), client);
        Assert.Equal(500, client.Options.SubscriptionCapacity);
        Assert.Equal(TimeSpan.FromMilliseconds(250), client.Options.ReconnectMinDelay);
        Assert.Same(clock, client.Options.TimeProvider);
        Assert.Same(provider.GetRequiredService<ILoggerFactory>(), client.Options.LoggerFactory);
        Assert.NotNull(client.Options.HttpHandler);

        var ticks = 0;
        await foreach (var tick in client.SubscribeIndexTicksAsync("0001").WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            Assert.NotEqual(0m, tick.Value);
            if (++ticks == 5) break;
        }
        Assert.True(clock.Reads > 0); // the container's clock, not TimeProvider.System, times the client
    }

    [Fact]
    public async Task Missing_secret_fails_host_start_naming_the_key()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kis:AppKey"] = "PSsomeappkey" });
        builder.Services.AddKisRealtime(builder.Configuration.GetSection("Kis"));
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Kis:AppKey and Kis:AppSecret go together", e.Message);
    }

    [Theory]
    [InlineData("Kis:WebSocketUrl", "wss://ops.koreainvestment.com:21000", "Kis:WebSocketUrl must be a plain ws:// URL")]
    [InlineData("Kis:SubscriptionCapacity", "0", "SubscriptionCapacity")]
    [InlineData("Kis:Credentials:0:AppKey", "PSsecondkey", "Kis:Credentials:0 needs both AppKey and AppSecret")]
    public void Invalid_settings_are_reported_with_their_key(string key, string value, string expected)
    {
        var values = new Dictionary<string, string?> { ["Kis:AppKey"] = "PSsomeappkey", ["Kis:AppSecret"] = "secret-value", [key] = value };
        using var provider = new ServiceCollection().AddKisRealtime(Configuration(values).GetSection("Kis")).BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KisRealtimeSettings>>().Value);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("secret-value", e.Message);
    }

    [Fact]
    public async Task Connect_on_start_connects_when_the_host_starts_and_disposing_the_host_releases_registrations()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(50) });
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(SimulatorSection(sim));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kis:ConnectOnStart"] = "true" });
        builder.Services.AddKisRealtime(builder.Configuration.GetSection("Kis"));
        var host = builder.Build();

        await host.StartAsync().WaitAsync(Timeout);
        var client = host.Services.GetRequiredService<IKisRealtimeClient>();
        Assert.Equal(KisConnectionState.Connected, client.State);
        await using (var e = client.SubscribeBondTradesAsync("KR103502GD31").GetAsyncEnumerator())
            Assert.True(await e.MoveNextAsync().AsTask().WaitAsync(Timeout));

        await host.StopAsync().WaitAsync(Timeout);
        host.Dispose(); // disposes the client: the session closes
        await sim.WaitForSessionsAsync(s => s.Count == 0).WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_fake_client_can_stand_in_for_the_interface()
    {
        var fake = new FakeClient();
        IKisRealtimeClient client = fake;
        var values = new List<decimal>();
        await foreach (var tick in client.SubscribeIndexTicksAsync("0001")) values.Add(tick.Value);
        Assert.Equal([2600.5m, 2601m], values);

        // Every typed helper reaches the fake through the one generic method, with the right TR and key.
        await foreach (var _ in client.SubscribeStockTradesAsync("005930", global::Kis.Realtime.StockVenue.Nxt)) { }
        await foreach (var _ in client.SubscribeStockNoticesAsync()) { }
        await foreach (var _ in client.SubscribeProgramTradesAsync("005930", global::Kis.Realtime.StockVenue.Krx)) { }
        Assert.Equal([("H0UPCNT0", "0001"), ("H0NXCNT0", "005930"), ("H0STCNI0", "fakehts"), ("H0STPGM0", "005930")], fake.Requested);
    }

    /// <summary>A TimeProvider that counts reads (to show the client used it).</summary>
    private sealed class CountingTimeProvider : TimeProvider
    {
        private int _reads;
        public int Reads => Volatile.Read(ref _reads);

        public override long GetTimestamp()
        {
            Interlocked.Increment(ref _reads);
            return System.GetTimestamp();
        }
    }

    /// <summary>
    /// A test double written against the small interface only: the typed helpers (SubscribeIndexTicksAsync …) are
    /// extensions over SubscribeAsync, so the fake gets them all by implementing one generic method.
    /// </summary>
    private sealed class FakeClient : IKisRealtimeClient
    {
        public List<(string Tr, string Key)> Requested { get; } = [];
        public KisConnectionState State => KisConnectionState.Connected;
        public KisRealtimeStatistics Statistics => new();
        public string? HtsId => "fakehts";
        public event EventHandler<KisStateChangedEventArgs>? StateChanged { add { } remove { } }
        public Task ConnectAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async IAsyncEnumerable<T> SubscribeAsync<T>(Kis.Realtime.Protocol.TrDefinition tr, string key,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
            where T : struct, global::Kis.Realtime.IKisRecord<T>
        {
            Requested.Add((tr.Id, key));
            await Task.Yield();
            if (typeof(T) != typeof(global::Kis.Realtime.IndexTick)) yield break;
            foreach (var value in new[] { 2600.5m, 2601m })
                yield return (T)(object)new global::Kis.Realtime.IndexTick { Value = value };
        }

        public async IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(Kis.Realtime.Protocol.TrDefinition tr, string key,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Requested.Add((tr.Id, key));
            await Task.Yield();
            yield break;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
