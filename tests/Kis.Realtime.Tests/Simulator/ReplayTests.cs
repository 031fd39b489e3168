using System.Buffers;
using System.Text;
using Kis.Realtime.Formatting;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Replay;

namespace Kis.Realtime.Tests.Simulator;

public sealed class ReplayTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"kisrt-replay-{Guid.NewGuid():N}.txt");

    public void Dispose() => File.Delete(_file);

    private const string Frame1 = "0|H0UPCNT0|001|0001^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^" +
        "0.92^1.27^0.70^0^670^72^177^0^0^0^19";
    private const string Frame2 = "0|H0NXPGM0|001|005930^092237^1413444^109159646900^1189408^91931710200^-224036^-17227936700^65033^15475^-49558";

    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 0, 30, 0, TimeSpan.Zero);

    /// <summary>One recorded line, exactly as <c>kisrt record</c> writes it.</summary>
    private static byte[] Recorded(double seconds, ReadOnlySpan<byte> message)
    {
        var w = new ArrayBufferWriter<byte>();
        RawMessageLine.Write(w, T0.AddSeconds(seconds), message);
        return w.WrittenSpan.ToArray();
    }

    private static byte[] Recorded(double seconds, string message) => Recorded(seconds, Encoding.UTF8.GetBytes(message));

    [Fact]
    public async Task Replay_sends_recorded_frames_in_order_to_subscribed_sessions()
    {
        File.WriteAllBytes(_file, [
            .. Recorded(0, Frame1),
            .. "\n"u8,
            .. Recorded(0.1, Frame2)[..^1], .. "\r\n"u8, // CRLF line end tolerated
            .. Encoding.UTF8.GetBytes(Frame1 + "\n"), // bare line: no timestamp, sent right after
        ]);
        await using var sim = await Sim.StartAsync(o => o with { ReplayFile = _file, ReplaySpeed = 0, Pace = MarketPace.Off });
        await using var idle = await Sim.ClientAsync(sim);
        await using var c = await SimTestClient.ConnectAsync(sim, "/", await sim.IssueApprovalKeyAsync());
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        Assert.Equal(Frame1, (await c.NextDataAsync()).Text);
        Assert.Equal(Frame2, (await c.NextDataAsync()).Text);
        Assert.Equal(Frame1, (await c.NextDataAsync()).Text);
        await sim.ReplayCompletion.WaitAsync(SimTestClient.Timeout);
        Assert.Equal(3, sim.Counters.ReplayFramesSent);
        Assert.Equal(0, sim.Counters.ReplayLinesSkipped); // a blank line is not a skipped message
        Assert.Equal(0, idle.PingsSeen);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => idle.NextDataAsync(timeout: TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Replay_sends_only_data_frames_unescaped_byte_for_byte_and_counts_the_rest()
    {
        var withEscapes = "0|H0UPCNT0|001|a\\b\nc\rd"u8.ToArray(); // a backslash, LF and CR inside a recorded message
        var nonUtf8 = SimulatorFaults.NonUtf8BondFrame();
        const string BareWithTab = "0|H0UPCNT0|001|x\ty"; // no timestamp: taken whole, tab and all
        File.WriteAllBytes(_file, [
            .. Recorded(0, Frame1),
            .. Recorded(0.01, """{"header":{"tr_id":"PINGPONG","datetime":"20261121093000"}}"""),
            .. Recorded(0.02,
                """{"header":{"tr_id":"(null)","tr_key":"","encrypt":"N"},"body":{"rt_cd":"9","msg_cd":"OPSP8996","msg1":"ALREADY IN USE appkey"}}"""),
            .. Recorded(0.03,
                """{"header":{"tr_id":"H0UPCNT0","tr_key":"0001","encrypt":"N"},"body":{"rt_cd":"0","msg_cd":"OPSP0000","msg1":"SUBSCRIBE SUCCESS"}}"""),
            .. Recorded(0.04, withEscapes),
            .. Encoding.ASCII.GetBytes(BareWithTab + "\n"),
            .. Recorded(0.05, nonUtf8),
            .. Encoding.ASCII.GetBytes("garbage-timestamp\t" + Frame2 + "\n"), // not a message: skipped
            .. Recorded(0.06, Frame2)[..^1], // last line without '\n'
        ]);
        await using var sim = await Sim.StartAsync(o => o with { ReplayFile = _file, ReplaySpeed = 0, Pace = MarketPace.Off, ReplayToAllSessions = true });
        await using var c = await RawWsClient.ConnectAsync(sim); // no UTF-8 validation: sees the cp949 frame as is
        byte[][] expected = [Encoding.ASCII.GetBytes(Frame1), withEscapes, Encoding.ASCII.GetBytes(BareWithTab), nonUtf8, Encoding.ASCII.GetBytes(Frame2)];
        foreach (var e in expected)
        {
            var f = await c.ReceiveAsync();
            Assert.NotNull(f);
            Assert.Equal(1, f.Value.Opcode);
            Assert.Equal(e, f.Value.Payload);
        }
        await sim.ReplayCompletion.WaitAsync(SimTestClient.Timeout);
        Assert.Equal(5, sim.Counters.ReplayFramesSent);
        Assert.Equal(4, sim.Counters.ReplayLinesSkipped);
        Assert.Equal(0, sim.Counters.Replies("OPSP8996"));
    }

    [Fact]
    public async Task Replay_streams_a_file_larger_than_its_read_buffer_in_order()
    {
        const int Lines = 3000; // ~330 KB: lines straddle the 64 KB read buffers
        using (var f = File.Create(_file))
            for (var i = 0; i < Lines; i++)
                f.Write(Recorded(i * 0.001, $"0|H0UPCNT0|001|{i:D6}^{new string('x', 80)}"));
        await using var sim = await Sim.StartAsync(o => o with { ReplayFile = _file, ReplaySpeed = 0, Pace = MarketPace.Off, ReplayToAllSessions = true });
        await using var c = await RawWsClient.ConnectAsync(sim);
        for (var i = 0; i < Lines; i++)
        {
            var frame = await c.ReceiveAsync();
            Assert.NotNull(frame);
            Assert.StartsWith($"0|H0UPCNT0|001|{i:D6}^", Encoding.ASCII.GetString(frame.Value.Payload));
        }
        await sim.ReplayCompletion.WaitAsync(SimTestClient.Timeout);
        Assert.Equal(Lines, sim.Counters.ReplayFramesSent);
        Assert.Equal(0, sim.Counters.ReplayLinesSkipped);
    }

    [Fact]
    public async Task Replay_keeps_the_original_spacing_scaled_by_speed()
    {
        // On the simulator's clock, not the test's reads: the client buffers frames, so a test thread late to read the first
        // found the second already there (a gap of 0 on a loaded machine).
        File.WriteAllBytes(_file, [.. Recorded(0, Frame1), .. Recorded(0.6, Frame2)]);
        var clock = new ManualTimeProvider(T0);
        await using var sim = await Sim.StartAsync(o => o with { ReplayFile = _file, ReplaySpeed = 2.0, Pace = MarketPace.Off, TimeProvider = clock });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        await c.NextDataAsync();
        // 600 ms recorded at 2x = 300 ms: the replay sleeps on the clock until then.
        var now = clock.GetUtcNow();
        var due = now.AddMilliseconds(300);
        await Sim.UntilAsync(() => clock.HasTimerDueIn(now, due) || sim.Counters.ReplayFramesSent > 1);
        clock.Advance(TimeSpan.FromMilliseconds(299));
        Assert.Equal(1, sim.Counters.ReplayFramesSent);
        Assert.True(clock.HasTimerDueIn(now.AddMilliseconds(299), due), "the replay still sleeps until 300 ms");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(Frame2, (await c.NextDataAsync()).Text);
    }

    [Fact]
    public async Task Replay_on_a_test_clock_waits_for_a_frame_recorded_100_ns_after_the_one_before()
    {
        // Task.Delay counts whole milliseconds: the second frame went out at once, before a test stepping the clock (the
        // venue parity run, SampleStrategyParityTests) had let the strategy answer the first.
        File.WriteAllBytes(_file, [.. Recorded(0, Frame1), .. Recorded(0.0000001, Frame1)]);
        var clock = new ManualTimeProvider(T0);
        await using var sim = await Sim.StartAsync(o => o with { ReplayFile = _file, ReplaySpeed = 1, Pace = MarketPace.Off, TimeProvider = clock });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        await c.NextDataAsync();
        var now = clock.GetUtcNow();
        await Sim.UntilAsync(() => clock.HasTimerDueIn(now, now.AddTicks(1)) || sim.Counters.ReplayFramesSent > 1);
        Assert.Equal(1, sim.Counters.ReplayFramesSent); // sleeping on the clock, the second frame not sent
        clock.Advance(TimeSpan.FromTicks(1));
        await c.NextDataAsync(); // the frame is counted once its send completed: after the client may have read it
        await Sim.UntilAsync(() => sim.Counters.ReplayFramesSent == 2);
    }

    [Fact]
    public void Replay_line_parsing()
    {
        var scratch = new ArrayBufferWriter<byte>();
        Assert.Equal(ReplayPlayer.LineKind.DataFrame,
            ReplayPlayer.ParseLine("2026-11-21T00:30:00.5000000Z\t0|H0UPCNT0|001|a\\\\b\\n"u8, scratch, out var ts, out var msg));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 0, 30, 0, 500, TimeSpan.Zero), ts);
        Assert.Equal("0|H0UPCNT0|001|a\\b\n"u8.ToArray(), msg.ToArray());
        Assert.Equal(ReplayPlayer.LineKind.DataFrame, ReplayPlayer.ParseLine("1|H0IFCNI0|001|x\ty\r"u8, scratch, out ts, out msg));
        Assert.Null(ts);
        Assert.Equal("1|H0IFCNI0|001|x\ty"u8.ToArray(), msg.ToArray()); // bare: nothing dropped before the tab
        Assert.Equal(ReplayPlayer.LineKind.Skipped,
            ReplayPlayer.ParseLine("2026-11-21T00:30:00.5000000Z\t{\"header\":{\"tr_id\":\"PINGPONG\"}}"u8, scratch, out _, out _));
        Assert.Equal(ReplayPlayer.LineKind.Skipped, ReplayPlayer.ParseLine("{\"body\":{\"msg_cd\":\"OPSP8996\"}}"u8, scratch, out _, out _));
        Assert.Equal(ReplayPlayer.LineKind.Skipped, ReplayPlayer.ParseLine("not-a-time\t0|H0UPCNT0|001|a"u8, scratch, out _, out _));
        Assert.Equal(ReplayPlayer.LineKind.Blank, ReplayPlayer.ParseLine(""u8, scratch, out _, out _));
        Assert.Equal(ReplayPlayer.LineKind.Blank, ReplayPlayer.ParseLine("\r"u8, scratch, out _, out _));
    }

    [Fact]
    public async Task Missing_replay_file_fails_fast()
        => await Assert.ThrowsAsync<FileNotFoundException>(() => Sim.StartAsync(o => o with { ReplayFile = _file + ".missing" }));
}
