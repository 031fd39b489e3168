using System.Globalization;
using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

[Collection("Simulator timing")]
public sealed class HeartbeatTests
{
    // Long enough that an echo delayed by a loaded 2-core machine still arrives within the interval; the exact tick
    // logic is covered on a manual clock (FakeClockHeartbeatTests).
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(400);

    // Tests where the session must stay up run on a manual clock: on a loaded CI machine a real 400 ms interval can pass
    // before the answer is read, and the session is (rightly) closed. So do tests that bound when a close comes; tests
    // that only expect a close keep the real clock.

    [Fact]
    public async Task A_session_that_echoes_PINGPONG_stays_up_across_many_intervals()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim, echo: true);
        await Sim.EchoPingsOnManualClockAsync(sim, clock, c, pings: 6);
        Assert.Equal(6, sim.Counters.PingsAnswered);
        Assert.Equal(0, sim.Counters.ClosesForMissedPing);
        Assert.Single(sim.Sessions);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
    }

    [Fact]
    public async Task A_session_that_does_not_echo_is_closed_within_one_interval_after_the_missed_echo()
    {
        // On a manual clock: the close comes at the tick one interval after the ping, not later (a wall-clock bound on
        // that failed whenever a loaded machine was slow to observe the close).
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        await using var sim = await Sim.StartAsync(o => o with { PingInterval = Interval, Pace = MarketPace.Off, TimeProvider = clock });
        await using var c = await Sim.ClientAsync(sim, echo: false);
        await Sim.SessionsAsync(sim, s => s.Count == 1);
        clock.Advance(Interval);
        await c.NextAsync(m => m.Text.Contains("\"PINGPONG\""));
        // The interval counts from the write, which the send loop records after the frame went (the client may read it first).
        var session = sim.Hub.Sessions.Single();
        await Sim.UntilAsync(() => session.PingWritten);
        clock.Advance(Interval - TimeSpan.FromTicks(1));
        Assert.Equal(0, sim.Counters.ClosesForMissedPing);
        clock.Advance(TimeSpan.FromTicks(1)); // the next tick: the ping timer runs inside Advance
        Assert.Equal(1, sim.Counters.ClosesForMissedPing);
        await c.Closed.WaitAsync(SimTestClient.Timeout);
        // No second PINGPONG came: the missed one was not forgiven.
        Assert.Equal(1, c.PingsSeen);
        Assert.Equal(1, sim.Counters.PingsSent);
    }

    [Fact]
    public async Task PINGPONG_has_the_KIS_shape_with_KST_datetime()
    {
        await using var sim = await Sim.StartAsync(o => o with { PingInterval = Interval, Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim, echo: true);
        var m = await c.NextAsync(x => x.Text.Contains("\"PINGPONG\""));
        Assert.Matches("""^\{"header":\{"tr_id":"PINGPONG","datetime":"\d{14}"\}\}$""", m.Text);
        var dt = DateTime.ParseExact(m.Json.GetProperty("header").GetProperty("datetime").GetString()!, "yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var kstNow = DateTime.UtcNow.AddHours(9);
        Assert.True(Math.Abs((kstNow - dt).TotalSeconds) < 60);
    }

    /// <summary>
    /// Answers a raw client's PINGPONGs with pong frames (payload as KIS's samples send it, or empty) four times, moving
    /// the manual clock one interval at a time and only after the previous answer was processed.
    /// </summary>
    private static async Task AnswerWithPongFramesAsync(KisSimulator sim, ManualTimeProvider clock, RawWsClient c, bool withPayload)
    {
        await Sim.SessionsAsync(sim, s => s.Count == 1);
        for (var i = 0; i < 4; i++)
        {
            var answered = sim.Counters.PingsAnswered;
            clock.Advance(sim.Options.PingInterval);
            var f = await c.ReceiveAsync();
            Assert.NotNull(f);
            Assert.True(f.Value.Opcode == 1, $"frame {i}: opcode {f.Value.Opcode} {Encoding.UTF8.GetString(f.Value.Payload)}");
            Assert.Contains("PINGPONG", Encoding.UTF8.GetString(f.Value.Payload));
            await c.SendAsync(0xA, withPayload ? f.Value.Payload : []);
            await Sim.UntilAsync(() => sim.Counters.PingsAnswered > answered);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Pong_frames_with_any_payload_count_by_default(bool withPayload)
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.Off });
        Assert.Equal(PingAnswer.Any, sim.Options.AcceptedPingAnswers);
        await using var c = await RawWsClient.ConnectAsync(sim);
        await AnswerWithPongFramesAsync(sim, clock, c, withPayload);
        Assert.Equal(4, sim.Counters.PingsAnswered);
        Assert.Equal(0, sim.Counters.ClosesForMissedPing);
    }

    [Fact]
    public async Task Text_echo_counts_by_default()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.Off });
        Assert.Equal(PingAnswer.Any, sim.Options.AcceptedPingAnswers);
        await using var c = await Sim.ClientAsync(sim, echo: true);
        await Sim.EchoPingsOnManualClockAsync(sim, clock, c, pings: 4);
        Assert.Equal(0, sim.Counters.ClosesForMissedPing);
        Assert.Single(sim.Sessions);
    }

    [Fact]
    public async Task Pong_frames_do_not_count_in_strict_text_mode()
    {
        await using var sim = await Sim.StartAsync(o => o with { PingInterval = Interval, Pace = MarketPace.Off, AcceptedPingAnswers = PingAnswer.TextEcho });
        await using var c = await RawWsClient.ConnectAsync(sim);
        var ping = await c.ReceiveAsync((op, p) => op == 1 && Encoding.UTF8.GetString(p).Contains("PINGPONG"));
        Assert.NotNull(ping);
        await c.SendAsync(0xA, ping.Value.Payload);
        var close = await c.ReceiveAsync((op, _) => op == 8);
        Assert.NotNull(close);
        Assert.Equal(1, sim.Counters.ClosesForMissedPing);
        Assert.Equal(0, sim.Counters.PingsAnswered);
    }

    [Fact]
    public async Task Pong_frames_count_in_strict_pong_mode()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.Off, AcceptedPingAnswers = PingAnswer.PongFrame });
        await using var c = await RawWsClient.ConnectAsync(sim);
        await AnswerWithPongFramesAsync(sim, clock, c, withPayload: true);
        Assert.Equal(4, sim.Counters.PingsAnswered);
        Assert.Equal(0, sim.Counters.ClosesForMissedPing);
    }

    [Fact]
    public async Task Text_echo_does_not_count_in_strict_pong_mode()
    {
        await using var sim = await Sim.StartAsync(o => o with { PingInterval = Interval, Pace = MarketPace.Off, AcceptedPingAnswers = PingAnswer.PongFrame });
        await using var c = await Sim.ClientAsync(sim, echo: true);
        Assert.NotNull(await c.Closed.WaitAsync(SimTestClient.Timeout));
        Assert.Equal(1, sim.Counters.ClosesForMissedPing);
        Assert.Equal(0, sim.Counters.PingsAnswered);
    }

    [Fact]
    public async Task Client_ping_frames_get_a_pong()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await RawWsClient.ConnectAsync(sim);
        await c.SendAsync(0x9, [1, 2, 3]);
        var pong = await c.ReceiveAsync();
        Assert.Equal(0xA, pong!.Value.Opcode);
        Assert.Equal(new byte[] { 1, 2, 3 }, pong.Value.Payload);
    }
}
