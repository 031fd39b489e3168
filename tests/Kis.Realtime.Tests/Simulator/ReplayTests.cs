using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

public sealed class ReplayTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"kisrt-replay-{Guid.NewGuid():N}.txt");

    public void Dispose() => File.Delete(_file);

    private const string Frame1 = "0|H0UPCNT0|001|0001^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^0^670^72^177^0^0^0^19";
    private const string Frame2 = "0|H0NXPGM0|001|005930^092237^1413444^109159646900^1189408^91931710200^-224036^-17227936700^65033^15475^-49558";

    [Fact]
    public async Task Replay_sends_recorded_frames_in_order_to_subscribed_sessions()
    {
        File.WriteAllText(_file,
            $"2026-11-21T00:30:00.000Z\t{Frame1}\n" +
            "\n" +
            $"2026-11-21T00:30:00.100Z\t{Frame2}\r\n" +
            $"{Frame1}\n" + // bare line: no timestamp, sent right after
            "garbage-timestamp\t" + Frame2 + "\n", // unparseable timestamp: still sent, without waiting
            new UTF8Encoding(false));
        await using var sim = await Sim.StartAsync(o => o with { ReplayFile = _file, ReplaySpeed = 0, Pace = MarketPace.Off });
        await using var idle = await Sim.ClientAsync(sim);
        await using var c = await SimTestClient.ConnectAsync(sim, "/", await sim.IssueApprovalKeyAsync());
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        Assert.Equal(Frame1, (await c.NextDataAsync()).Text);
        Assert.Equal(Frame2, (await c.NextDataAsync()).Text);
        Assert.Equal(Frame1, (await c.NextDataAsync()).Text);
        Assert.Equal(Frame2, (await c.NextDataAsync()).Text);
        await sim.ReplayCompletion.WaitAsync(SimTestClient.Timeout);
        Assert.Equal(4, sim.Counters.ReplayFramesSent);
        Assert.Equal(0, idle.PingsSeen);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => idle.NextDataAsync(timeout: TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Replay_keeps_the_original_spacing_scaled_by_speed()
    {
        File.WriteAllText(_file, $"2026-11-21T00:30:00.000Z\t{Frame1}\n2026-11-21T00:30:00.600Z\t{Frame2}\n");
        await using var sim = await Sim.StartAsync(o => o with { ReplayFile = _file, ReplaySpeed = 2.0, Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        await c.NextDataAsync();
        var first = DateTime.UtcNow;
        await c.NextDataAsync();
        var gap = DateTime.UtcNow - first;
        Assert.InRange(gap.TotalMilliseconds, 200, 1500); // 600 ms recorded at 2x = 300 ms
    }

    [Fact]
    public void Replay_line_parsing()
    {
        Assert.True(Kis.Realtime.Simulator.Replay.ReplayPlayer.TryParseLine("2026-11-21T00:30:00.5Z\tabc"u8, out var ts, out var msg));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 0, 30, 0, 500, TimeSpan.Zero), ts);
        Assert.Equal("abc"u8.ToArray(), msg.ToArray());
        Assert.True(Kis.Realtime.Simulator.Replay.ReplayPlayer.TryParseLine("0|H0|1|x"u8, out ts, out msg));
        Assert.Null(ts);
        Assert.False(Kis.Realtime.Simulator.Replay.ReplayPlayer.TryParseLine(""u8, out _, out _));
    }

    [Fact]
    public async Task Missing_replay_file_fails_fast()
        => await Assert.ThrowsAsync<FileNotFoundException>(() => Sim.StartAsync(o => o with { ReplayFile = _file + ".missing" }));
}
