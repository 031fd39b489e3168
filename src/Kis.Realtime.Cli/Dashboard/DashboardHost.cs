using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Simulator;
using Microsoft.AspNetCore.Builder;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>
/// A running dashboard: its source (a KIS session of its own — the built-in simulator, KIS or a given server, as
/// <c>stream</c> — or a running gateway), its subscriptions and panels, the publisher and the web server. Disposing
/// stops them in reverse order.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    /// <summary>What the page shows besides <c>stream</c>'s default set when no <c>--sub</c> is given: a stock's tape and book.</summary>
    public const string DefaultStock = "005930";

    private readonly DashboardSource _source;
    private readonly WebApplication _web;
    private readonly CancellationTokenSource _stop;
    private readonly Task _publishing;

    private DashboardHost(DashboardSource source, DashboardPanels panels, DashboardSubscriptions subscriptions,
        DashboardPublisher publisher, ScreenshotHolds holds, WebApplication web, Uri url, CancellationTokenSource stop, Task publishing)
    {
        ScreenshotHolds = holds;
        _source = source;
        Panels = panels;
        Subscriptions = subscriptions;
        Publisher = publisher;
        _web = web;
        Url = url;
        _stop = stop;
        _publishing = publishing;
    }

    /// <summary>The page's address, e.g. http://127.0.0.1:5480/.</summary>
    public Uri Url { get; }

    /// <summary>The built-in simulator when no credentials, server or gateway were configured.</summary>
    public KisSimulator? Simulator => _source.Simulator;

    /// <summary>A <see cref="KisRealtimeClient"/>, or a <see cref="Gateway.KisGatewayClient"/> with a gateway configured.</summary>
    public IKisRealtimeClient Client => _source.Client;

    public DashboardSubscriptions Subscriptions { get; }

    /// <summary>The panels the subscriptions feed.</summary>
    public DashboardPanels Panels { get; }

    public DashboardPublisher Publisher { get; }

    /// <summary>Pages opened with <c>?screenshot</c> say here when every panel shows live data.</summary>
    public ScreenshotHolds ScreenshotHolds { get; }

    public static async Task<DashboardHost> StartAsync(ConnectionArgs connection, int port, ClientHost.Environment environment,
        TextWriter status, CancellationToken cancellationToken)
    {
        if (port is < 0 or > 65535) throw new CliUsageException($"--port must be 0 (any free port) to 65535, not {port}.");
        var source = await DashboardSource.StartAsync(connection, environment, status, cancellationToken);
        DashboardSubscriptions? subscriptions = null;
        var stop = new CancellationTokenSource();
        try
        {
            var panels = new DashboardPanels();
            var health = source.Health;
            subscriptions = new DashboardSubscriptions(source.Client, source.Settings, panels, source.RecordObserver);
            var publisher = new DashboardPublisher([health, subscriptions, .. panels.All], health.Sample, TimeProvider.System);
            var holds = new ScreenshotHolds();
            var (web, url) = await DashboardServer.StartAsync(port, publisher, subscriptions, holds, cancellationToken);
            var publishing = publisher.RunAsync(stop.Token);

            foreach (var spec in source.Subscriptions) subscriptions.Add(spec);
            if (connection.Subscriptions.Count == 0)
            {
                foreach (var text in new[] { $"stock:{DefaultStock}", $"book:{DefaultStock}" })
                {
                    if (SubscriptionSpec.TryParse(text, source.Settings.HtsId, source.Settings.Environment, out var spec, out _)
                        && spec.Tr.IsOfferedOn(source.Settings.Environment))
                        subscriptions.Add(spec);
                }
            }
            return new DashboardHost(source, panels, subscriptions, publisher, holds, web, url, stop, publishing);
        }
        catch
        {
            await stop.CancelAsync();
            if (subscriptions is not null) await subscriptions.DisposeAsync();
            await source.DisposeAsync();
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
        await _source.DisposeAsync();
        _stop.Dispose();
    }
}
