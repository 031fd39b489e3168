using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>The heartbeat runs on <see cref="SimulatorOptions.TimeProvider"/>: with a manual clock nothing depends on real timing.</summary>
public sealed class FakeClockHeartbeatTests
{
    [Fact]
    public async Task Pings_follow_the_injected_clock_and_a_silent_session_is_closed_at_the_next_tick()
    {
        // 2026-11-21 00:30:00 UTC = 09:30:00 KST.
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 0, 30, 0, TimeSpan.Zero));
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.Off });
        await using var quiet = await Sim.ClientAsync(sim, echo: false);
        await Sim.SessionsAsync(sim, s => s.Count == 1);

        clock.Advance(TimeSpan.FromSeconds(99));
        clock.Advance(TimeSpan.FromSeconds(1)); // 100 s: the first PINGPONG
        var ping = await quiet.NextAsync(m => m.Text.Contains("PINGPONG"));
        Assert.Equal("""{"header":{"tr_id":"PINGPONG","datetime":"20261121093140"}}""", ping.Text);

        clock.Advance(TimeSpan.FromSeconds(100)); // not answered by the next tick: closed
        Assert.NotNull(await quiet.Closed.WaitAsync(SimTestClient.Timeout));
        Assert.Equal(1, sim.Counters.ClosesForMissedPing);
        Assert.Equal(1, sim.Counters.PingsSent);
    }

    [Fact]
    public async Task An_echoing_session_survives_many_fake_intervals()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim, echo: true);
        Assert.Equal(TimeSpan.FromSeconds(100), sim.Options.PingInterval);
        await Sim.EchoPingsOnManualClockAsync(sim, clock, c, pings: 10);
        Assert.Equal(10, sim.Counters.PingsAnswered);
        Assert.Equal(0, sim.Counters.ClosesForMissedPing);
    }
}
