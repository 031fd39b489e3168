using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>The fleet tests' options: 5 registrations an app key (41 on KIS), and fast elections, checkpoints and rebalancing.</summary>
internal static class FleetTestOptions
{
    public static KisGatewayFleetOptions For(KisGatewayEndpoint endpoint, KisSimulator sim, IEnumerable<SimulatorCredential> keys,
        IReadOnlyList<FleetRegistration> universe) => KisGatewayFleetOptions.Default with
    {
        Gateway = KisGatewayOptions.Default with
        {
            Endpoint = endpoint,
            Client = Options(sim, [.. keys.Select(k => new KisCredential(k.AppKey, k.AppSecret))]) with { MaxRegistrationsPerSession = 5 },
            ElectionRetryInterval = TimeSpan.FromMilliseconds(100),
            CheckpointInterval = TimeSpan.FromMilliseconds(100),
            ElectionHeartbeat = TimeSpan.FromSeconds(1),
        },
        Universe = universe,
        RebalanceInterval = TimeSpan.FromMilliseconds(200),
    };
}
