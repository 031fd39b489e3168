using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Dashboard.Panels;
using Kis.Realtime.Simulator;
using Microsoft.AspNetCore.Builder;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>
/// A running dashboard: the client (against the built-in simulator, KIS, or a given server — as <c>stream</c>), its
/// subscriptions and panels, the publisher and the web server. Disposing stops them in reverse order.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    /// <summary>What the page shows besides <c>stream</c>'s default set when no <c>--sub</c> is given: a stock's tape and book.</summary>
    public const string DefaultStock = "005930";

    private readonly ClientHost _client;
    private readonly ClientMeterFactory _meters;
    private readonly HealthPanel _health;
    private readonly WebApplication _web;
    private readonly CancellationTokenSource _stop;
    private readonly Task _publishing;

    private DashboardHost(ClientHost client, ClientMeterFactory meters, HealthPanel health, DashboardPanels panels, DashboardSubscriptions subscriptions,
        DashboardPublisher publisher, WebApplication web, Uri url, CancellationTokenSource stop, Task publishing)
    {
        Panels = panels;
        _client = client;
        _meters = meters;
        _health = health;
        Subscriptions = subscriptions;
        Publisher = publisher;
        _web = web;
        Url = url;
        _stop = stop;
        _publishing = publishing;
    }

    /// <summary>The page's address, e.g. http://127.0.0.1:5480/.</summary>
    public Uri Url { get; }

    /// <summary>The built-in simulator when no credentials or server were configured.</summary>
    public KisSimulator? Simulator => _client.Simulator;

    public KisRealtimeClient Client => _client.Client;

    public DashboardSubscriptions Subscriptions { get; }

    /// <summary>The panels the subscriptions feed.</summary>
    public DashboardPanels Panels { get; }

    public DashboardPublisher Publisher { get; }

    public static async Task<DashboardHost> StartAsync(ConnectionArgs connection, int port, ClientHost.Environment environment,
        TextWriter status, CancellationToken cancellationToken)
    {
        if (port is < 0 or > 65535) throw new CliUsageException($"--port must be 0 (any free port) to 65535, not {port}.");
        var meters = new ClientMeterFactory();
        ClientHost client;
        try
        {
            // DropOldest as in `stream`: a page never holds the session back; what is dropped is counted on the health panel.
            client = await ClientHost.StartAsync(connection, environment, status, KisFullMode.DropOldest, cancellationToken,
                tuneOptions: o => o with { MeterFactory = meters });
        }
        catch
        {
            meters.Dispose();
            throw;
        }

        HealthPanel? health = null;
        DashboardSubscriptions? subscriptions = null;
        var stop = new CancellationTokenSource();
        try
        {
            var panels = new DashboardPanels();
            health = new HealthPanel(client.Client, meters, TimeProvider.System);
            subscriptions = new DashboardSubscriptions(client.Client, client.Settings, panels);
            var publisher = new DashboardPublisher([health, subscriptions, .. panels.All], health.Sample, TimeProvider.System);
            var (web, url) = await DashboardServer.StartAsync(port, publisher, subscriptions, cancellationToken);
            var publishing = publisher.RunAsync(stop.Token);

            foreach (var spec in client.Subscriptions) subscriptions.Add(spec);
            if (connection.Subscriptions.Count == 0)
            {
                foreach (var text in new[] { $"stock:{DefaultStock}", $"book:{DefaultStock}" })
                {
                    if (SubscriptionSpec.TryParse(text, client.Settings.HtsId, client.Settings.Environment, out var spec, out _)
                        && spec.Tr.Environments.HasFlag(client.Settings.Environment))
                        subscriptions.Add(spec);
                }
            }
            return new DashboardHost(client, meters, health, panels, subscriptions, publisher, web, url, stop, publishing);
        }
        catch
        {
            await stop.CancelAsync();
            if (subscriptions is not null) await subscriptions.DisposeAsync();
            health?.Dispose();
            await client.DisposeAsync();
            meters.Dispose();
            stop.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _publishing;
        await _web.StopAsync(CancellationToken.None);
        await _web.DisposeAsync();
        await Subscriptions.DisposeAsync(); // releases every registration before the client closes
        _health.Dispose();
        await _client.DisposeAsync();
        _meters.Dispose();
        _stop.Dispose();
    }
}
