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

    /// <summary>
    /// <c>kisrt gateway status --fleet</c> until it says every shard serves (exit 0): it answers from the status each process
    /// publishes every 2 s at most, so a change the processes see now shows within a few seconds. Fails with the last answer.
    /// </summary>
    public static async Task<string> FleetServedAsync(KisGatewayEndpoint endpoint, Func<string, bool>? done = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var text = new StringWriter();
            int exit;
            try
            {
                exit = await Kis.Realtime.Cli.Commands.GatewayStatusCommand.FleetStatusAsync(endpoint, json: false, text, CancellationToken.None);
            }
            catch (Kis.Realtime.Cli.Configuration.CliRunException e)
            {
                // "no fleet process published its status": one answer, judged like the others (the processes may still be
                // starting), with the last one in the failure.
                (exit, text) = (Kis.Realtime.Cli.Configuration.CliFailures.RunFailed, new StringWriter());
                text.Write(e.Message);
            }
            if (exit == 0 && done?.Invoke(text.ToString()) != false) return text.ToString();
            Assert.True(DateTime.UtcNow < deadline, $"status --fleet: exit {exit}, not served within 60 s:\n{text}");
            await Task.Delay(500); // the next question: each answer is judged on its own
        }
    }
}
