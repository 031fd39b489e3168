using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Client;
using Microsoft.Extensions.Logging;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A fleet process of <c>shards</c> universe shards (5 index keys and one app key each) on a namespace of its own, whose
/// broker connections all pass a <see cref="CuttableProxy"/>, with its simulator and every log line it writes: the setup
/// of the fleet tests that cut or hold one connection. Disposed in reverse: the fleet, the proxy, the simulator, the
/// namespace.
/// </summary>
internal sealed class ProxiedFleet : IAsyncDisposable
{
    private readonly LoggerFactory _loggers;

    private ProxiedFleet(RabbitTestBroker broker, KisSimulator sim, CuttableProxy proxy, CapturingLoggerProvider logs, LoggerFactory loggers,
        KisGatewayFleet fleet) => (Broker, Sim, Proxy, Logs, _loggers, Fleet) = (broker, sim, proxy, logs, loggers, fleet);

    public RabbitTestBroker Broker { get; }
    public KisSimulator Sim { get; }
    public CuttableProxy Proxy { get; }
    /// <summary>The fleet's log lines, each as "Level message exception".</summary>
    public CapturingLoggerProvider Logs { get; }
    public KisGatewayFleet Fleet { get; }

    /// <summary>Shard <paramref name="name"/>'s status now (one snapshot: its ended terms' figures are one record).</summary>
    public GatewayFleetShardStatus Shard(string name = "0") => Fleet.Status().Shards.Single(s => s.Shard == name);

    public static async Task<ProxiedFleet> StartAsync(string name, int shards, int perSecond)
    {
        var broker = await RabbitTestBroker.CreateAsync();
        var keys = Enumerable.Range(0, shards).Select(i => new SimulatorCredential($"PSsimFleet{name}{i}".PadRight(36, '0'),
            SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId)).ToList();
        var universe = Enumerable.Range(1, 5 * shards)
            .Select(i => new FleetRegistration(KisTrs.IndexTicks, i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        KisSimulator? sim = null;
        CuttableProxy? proxy = null;
        var logs = new CapturingLoggerProvider();
        var loggers = new LoggerFactory([logs]);
        try
        {
            sim = await StartSimAsync(o => o with { Credentials = keys, Pace = MarketPace.PerSecond(perSecond) });
            proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
            var endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) };
            var options = FleetTestOptions.For(endpoint, sim, keys, universe) with { Name = name };
            options = options with { Gateway = options.Gateway with { LoggerFactory = loggers } };
            return new ProxiedFleet(broker, sim, proxy, logs, loggers, KisGatewayFleet.Start(options));
        }
        catch
        {
            if (proxy is not null) await proxy.DisposeAsync();
            if (sim is not null) await sim.DisposeAsync();
            await broker.DisposeAsync();
            loggers.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Fleet.DisposeAsync();
        }
        finally
        {
            await Proxy.DisposeAsync();
            await Sim.DisposeAsync();
            await Broker.DisposeAsync();
            _loggers.Dispose();
        }
    }
}
