using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A fleet process of <c>shards</c> universe shards (5 index keys and one app key each) whose broker connections all
/// pass a <see cref="CuttableProxy"/>, with its simulator: the setup of the fleet tests that cut or hold one connection.
/// Disposed in reverse: the fleet, the proxy, the simulator.
/// </summary>
internal sealed class ProxiedFleet : IAsyncDisposable
{
    private ProxiedFleet(KisSimulator sim, CuttableProxy proxy, KisGatewayFleet fleet) => (Sim, Proxy, Fleet) = (sim, proxy, fleet);

    public KisSimulator Sim { get; }
    public CuttableProxy Proxy { get; }
    public KisGatewayFleet Fleet { get; }

    public static async Task<ProxiedFleet> StartAsync(RabbitTestBroker broker, string name, int shards, int perSecond)
    {
        var keys = Enumerable.Range(0, shards).Select(i => new SimulatorCredential($"PSsimFleet{name}{i}".PadRight(36, '0'),
            SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId)).ToList();
        var universe = Enumerable.Range(1, 5 * shards)
            .Select(i => new FleetRegistration(KisTrs.IndexTicks, i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var sim = await StartSimAsync(o => o with { Credentials = keys, Pace = MarketPace.PerSecond(perSecond) });
        var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        try
        {
            var endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) };
            return new ProxiedFleet(sim, proxy, KisGatewayFleet.Start(FleetTestOptions.For(endpoint, sim, keys, universe) with { Name = name }));
        }
        catch
        {
            await proxy.DisposeAsync();
            await sim.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Fleet.DisposeAsync();
        await Proxy.DisposeAsync();
        await Sim.DisposeAsync();
    }
}
