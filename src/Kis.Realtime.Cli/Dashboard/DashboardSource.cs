using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Dashboard.Panels;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>
/// Where the dashboard's records come from, chosen by configuration: a KIS session of its own (the built-in simulator,
/// KIS, or another server — as <c>stream</c>), or, with <c>--gateway</c> / <c>KISRT_GATEWAY</c>, a running
/// <c>kisrt gateway</c> through <see cref="KisGatewayClient"/> (the same <see cref="IKisRealtimeClient"/> API). Owns the
/// client and the health panel that fits it.
/// </summary>
internal sealed class DashboardSource : IAsyncDisposable
{
    private readonly ClientHost? _direct;
    private readonly ClientMeterFactory? _meters;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;

    private DashboardSource(IKisRealtimeClient client, CliSettings settings, IReadOnlyList<SubscriptionSpec> subscriptions, HealthPanel health,
        ClientHost? direct = null, ClientMeterFactory? meters = null, ILoggerFactory? loggerFactory = null)
    {
        Client = client;
        Settings = settings;
        Subscriptions = subscriptions;
        Health = health;
        _direct = direct;
        _meters = meters;
        _loggerFactory = loggerFactory;
        _polling = health is GatewayHealthPanel gateway ? gateway.PollGatewayAsync(_stop.Token) : Task.CompletedTask;
    }

    public IKisRealtimeClient Client { get; }

    /// <summary>The built-in simulator when no credentials, server or gateway were configured.</summary>
    public KisSimulator? Simulator => _direct?.Simulator;

    public CliSettings Settings { get; }

    /// <summary>What <c>--sub</c> chose (or the default set).</summary>
    public IReadOnlyList<SubscriptionSpec> Subscriptions { get; }

    public HealthPanel Health { get; }

    /// <summary>Through a gateway, the health panel sees each record (latency from the gateway's receipt, decode failures).</summary>
    public IRecordObserver? RecordObserver => Health as IRecordObserver;

    public static async Task<DashboardSource> StartAsync(ConnectionArgs args, ClientHost.Environment environment, TextWriter status,
        CancellationToken cancellationToken)
    {
        var settings = CliSettings.From(CliSettings.BuildConfiguration(args.ToConfiguration(), environment.GetVariable,
            environment.ConfigurationDirectory, environment.UserSecrets)).WithGatewayWanted(args.Gateway);
        if (settings.Gateway is null && !string.IsNullOrEmpty(args.GatewayNamespace))
            throw new CliUsageException("--namespace names a gateway's namespace: give --gateway (or KISRT_GATEWAY) too.");
        return settings.Gateway is null
            ? await StartDirectAsync(args, environment, status, cancellationToken)
            : await StartGatewayAsync(args, settings, status, cancellationToken);
    }

    private static async Task<DashboardSource> StartDirectAsync(ConnectionArgs args, ClientHost.Environment environment, TextWriter status,
        CancellationToken cancellationToken)
    {
        var meters = new ClientMeterFactory();
        ClientHost client;
        try
        {
            // DropOldest as in `stream`: a page never holds the session back; what is dropped is counted on the health panel.
            client = await ClientHost.StartAsync(args, environment, status, KisFullMode.DropOldest, cancellationToken,
                tuneOptions: o => o with { MeterFactory = meters });
        }
        catch
        {
            meters.Dispose();
            throw;
        }
        var health = new ClientHealthPanel(client.Client, meters, TimeProvider.System);
        return new DashboardSource(client.Client, client.Settings, client.Subscriptions, health, client, meters);
    }

    private static async Task<DashboardSource> StartGatewayAsync(ConnectionArgs args, CliSettings settings, TextWriter status,
        CancellationToken cancellationToken)
    {
        GatewayConnection.RefuseSessionOptions(args, "--gateway / KISRT_GATEWAY", "the gateway holds the KIS session (give it to `kisrt gateway`)");
        var specs = ClientHost.ParseSubscriptions(args.Subscriptions, settings);
        var (client, gatewayStatus, loggerFactory) = await GatewayConnection.ConnectAsync(args, settings, "dashboard", status,
            o => o with { HtsId = settings.HtsId }, cancellationToken);
        var endpoint = client.Options.Endpoint;
        if (settings.HasCredentials)
            status.WriteLine("kisrt: KIS credentials configured here are not used: the gateway holds the KIS session.");
        status.WriteLine($"kisrt: reading from the gateway (run {gatewayStatus.Run}, namespace {endpoint.Namespace}) at {endpoint.DisplayUri}");
        return new DashboardSource(client, settings, specs, new GatewayHealthPanel(client, TimeProvider.System), loggerFactory: loggerFactory);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        Health.Dispose();
        if (_direct is not null) await _direct.DisposeAsync();
        else await Client.DisposeAsync();
        _meters?.Dispose();
        _loggerFactory?.Dispose();
        _stop.Dispose();
    }
}
