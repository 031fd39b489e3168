using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

internal static class Sim
{
    /// <summary>Starts a simulator on free ports with the given tweaks.</summary>
    public static Task<KisSimulator> StartAsync(Func<SimulatorOptions, SimulatorOptions>? configure = null)
        => KisSimulator.StartAsync((configure ?? (o => o))(SimulatorOptions.Default));

    /// <summary>Connects a client that already holds an approval key.</summary>
    public static async Task<SimTestClient> ClientAsync(KisSimulator sim, string path = "/", bool echo = true, int buffered = SimTestClient.DefaultBuffered)
    {
        var key = await sim.IssueApprovalKeyAsync();
        var c = await SimTestClient.ConnectAsync(sim, path, key, buffered);
        c.EchoPingPong = echo;
        return c;
    }

    /// <summary>Waits (event-driven, with a timeout guard) until the simulator's sessions satisfy a condition.</summary>
    public static async Task SessionsAsync(KisSimulator sim, Func<IReadOnlyList<SimulatorSessionInfo>, bool> condition)
    {
        using var cts = new CancellationTokenSource(SimTestClient.Timeout);
        await sim.WaitForSessionsAsync(condition, cts.Token);
    }

    /// <summary>
    /// With the simulator on a manual clock and one session open: moves the clock one ping interval at a time,
    /// <paramref name="pings"/> times; <paramref name="client"/> (which echoes) reads each PINGPONG, and the clock moves
    /// again only once the simulator has counted the answer, which it processes on its own receive loop.
    /// </summary>
    public static async Task EchoPingsOnManualClockAsync(KisSimulator sim, ManualTimeProvider clock, SimTestClient client, int pings)
    {
        await SessionsAsync(sim, s => s.Count == 1);
        for (var i = 0; i < pings; i++)
        {
            var answered = sim.Counters.PingsAnswered;
            clock.Advance(sim.Options.PingInterval);
            await client.NextAsync(m => m.Text.Contains("\"PINGPONG\""));
            await UntilAsync(() => sim.Counters.PingsAnswered > answered);
        }
    }

    /// <summary>Yields until a server-side counter reaches a state (no sleeping; a timeout guard ends it).</summary>
    public static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + SimTestClient.Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Yield();
        }
    }
}
