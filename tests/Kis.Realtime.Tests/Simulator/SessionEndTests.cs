using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>Frames queued to a session that is ending, has ended or is stalled never leave their sender hanging.</summary>
public sealed class SessionEndTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"kisrt-replay-{Guid.NewGuid():N}.txt");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task A_fault_frame_to_a_session_whose_send_loop_has_ended_completes()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await RawWsClient.ConnectAsync(sim);
        await Sim.SessionsAsync(sim, s => s.Count == 1);
        // The session itself, not the simulator's list: it leaves the list 2 s after its close frame (the client never
        // answers it), which a loaded machine may take to come back here, and a send to no session proves nothing.
        var session = sim.Hub.Sessions.Single();
        var closing = sim.Faults.CloseConnections();
        Assert.NotNull(await c.ReceiveAsync((op, _) => op == 8)); // the send loop has ended with the close frame
        await session.SendRawAsync(SimulatorFaults.MalformedFrame, isFault: true).WaitAsync(SimTestClient.Timeout);
        await closing.WaitAsync(SimTestClient.Timeout);
    }

    [Fact]
    public async Task A_fault_frame_to_a_stalled_session_waits_only_as_long_as_asked()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await RawWsClient.ConnectAsync(sim);
        await Sim.SessionsAsync(sim, s => s.Count == 1);
        await sim.Faults.Stall();
        using var cts = new CancellationTokenSource();
        var send = sim.Faults.SendMalformedFrame(cts.Token);
        await Sim.UntilAsync(() => sim.Hub.Sessions.Single().QueuedRawFrames > 0);
        Assert.False(send.IsCompleted); // held by the stall
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(SimTestClient.Timeout));
    }

    [Fact]
    public async Task Dispose_does_not_deadlock_on_a_replay_held_by_a_stalled_session()
    {
        File.WriteAllText(_file, "0|H0UPCNT0|001|0001^091240^2624.54\n0|H0UPCNT0|001|0001^091241^2624.55\n");
        var sim = await Sim.StartAsync(o => o with { ReplayFile = _file, ReplaySpeed = 0, ReplayToAllSessions = true, Pace = MarketPace.Off });
        await sim.Faults.Stall();
        await using var c = await RawWsClient.ConnectAsync(sim);
        // The replay has queued its first frame to the stalled session and waits for it to be written.
        await Sim.UntilAsync(() => sim.Hub.Sessions.Any(s => s.QueuedRawFrames > 0));
        Assert.False(sim.ReplayCompletion.IsCompleted);
        // No `await using`: if dispose deadlocked, the test must fail by the timeout rather than hang.
        await sim.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(sim.ReplayCompletion.IsCompleted);
    }
}
