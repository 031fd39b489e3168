using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

public sealed class FaultTests
{
    [Fact]
    public async Task DropConnections_aborts_without_a_close_frame()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        Assert.Equal(1, await sim.Faults.DropConnections());
        Assert.Null(await c.Closed.WaitAsync(SimTestClient.Timeout)); // no close status: the TCP connection was cut
        // The session's end completes before the endpoint removes it from the hub: wait for the removal.
        await Sim.SessionsAsync(sim, s => s.Count == 0);
    }

    [Fact]
    public async Task CloseConnections_sends_a_close_frame()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        Assert.Equal(1, await sim.Faults.CloseConnections());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await c.Closed.WaitAsync(SimTestClient.Timeout));
        await Sim.SessionsAsync(sim, s => s.Count == 0);
    }

    [Fact]
    public async Task Stall_stops_sending_and_answering_until_unstalled()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        await c.NextDataAsync("H0UPCNT0");
        await sim.Faults.Stall();
        Assert.True(sim.Sessions.Single().Stalled);
        await c.SubscribeAsync("H0UPCNT0", "1001");
        // The request is held: no reply (and no data beyond what was in flight) within a generous window.
        var framesAtStall = sim.Counters.FramesSent;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c.NextReplyAsync(TimeSpan.FromMilliseconds(500)));
        Assert.InRange(sim.Counters.FramesSent - framesAtStall, 0, 1);
        Assert.Equal(WebSocketState.Open, c.State);
        await sim.Faults.Unstall();
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.NextReplyAsync()).Code);
        await c.NextDataAsync("H0UPCNT0");
    }

    [Fact]
    public async Task Malformed_frame_is_delivered_and_the_session_survives()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(1, await sim.Faults.SendMalformedFrame());
        var m = await c.NextDataAsync();
        Assert.Equal(SimulatorFaults.MalformedFrame.ToArray(), m.Data);
        Assert.True(DataFrame.TryParse(m.Data, out var f, out _));
        Assert.False(RecordSplitter.TryCreate(f.Payload, f.RecordCount, KisTrs.IndexTicks.Fields.Count, out _, out var err));
        Assert.Equal(DecodeErrorKind.FieldCountNotDivisible, err.Kind);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        Assert.Equal(1, sim.Counters.FaultFramesSent);
    }

    [Fact]
    public async Task Non_utf8_frame_carries_a_cp949_bond_name()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var raw = await RawWsClient.ConnectAsync(sim);
        await Sim.SessionsAsync(sim, s => s.Count == 1);
        Assert.Equal(1, await sim.Faults.SendNonUtf8Frame());
        var frame = await raw.ReceiveAsync();
        Assert.Equal(1, frame!.Value.Opcode); // a TEXT frame whose bytes are not UTF-8 (ASP.NET Core would not stop us, we frame it ourselves)
        var data = frame.Value.Payload;
        Assert.False(System.Text.Unicode.Utf8.IsValid(data));
        Assert.True(DataFrame.TryParse(data, out var f, out _));
        Assert.True(RecordSplitter.TryCreate(f.Payload, f.RecordCount, KisTrs.BondTrades.Fields.Count, out var records, out _));
        Assert.True(records.TryNext(out var record));
        Assert.True(BondTrade.TryDecode(KisTrs.BondTrades, record, out var trade, out var err), err.ToString());
        Assert.Equal("국고03250-5303(23-2)", trade.Name); // cp949 fallback
        Assert.Equal(10575.00m, trade.Price);
    }

    [Fact]
    public async Task ClientWebSocket_dies_on_the_non_utf8_frame_which_is_why_clients_need_their_own_transport()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        await Sim.SessionsAsync(sim, s => s.Count == 1);
        await sim.Faults.SendNonUtf8Frame();
        await c.Closed.WaitAsync(SimTestClient.Timeout);
        Assert.NotEqual(WebSocketState.Open, c.State);
    }

    [Fact]
    public async Task Control_endpoint_reports_status_and_injects_faults()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        using var http = new HttpClient { BaseAddress = sim.RestBaseUrl };

        var statusText = await http.GetStringAsync("/sim/status");
        Assert.DoesNotContain(SimulatorOptions.DefaultAppKey, statusText);
        Assert.DoesNotContain(SimulatorOptions.DefaultAppSecret, statusText);
        Assert.DoesNotContain(c.ApprovalKey!, statusText);
        var status = JsonDocument.Parse(statusText).RootElement;
        var session = status.GetProperty("sessions")[0];
        Assert.Equal("H0UPCNT0", session.GetProperty("subscriptions")[0].GetProperty("trId").GetString());
        Assert.Equal(1, status.GetProperty("counters").GetProperty("repliesByMsgCd").GetProperty("OPSP0000").GetInt32());

        var r = await http.PostAsync("/sim/faults/malformed", null);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(SimulatorFaults.MalformedFrame.ToArray(), (await c.NextDataAsync()).Data);

        r = await http.PostAsync("/sim/faults/fail-next?code=OPSP0007", null);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(OpspCode.SubscribeInternalError, (await c.RequestAsync("H0UPCNT0", "1001")).Code);

        r = await http.PostAsync("/sim/faults/expire-keys", null);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(OpspCode.InvalidApproval, (await c.RequestAsync("H0UPCNT0", "1001")).Code);

        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/sim/faults/nonsense", null)).StatusCode);

        r = await http.PostAsync("/sim/faults/close", null);
        Assert.Contains("\"affected\":1", await r.Content.ReadAsStringAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await c.Closed.WaitAsync(SimTestClient.Timeout));
    }

    [Fact]
    public async Task Plain_http_on_the_websocket_port_is_refused_politely()
    {
        await using var sim = await Sim.StartAsync();
        using var http = new HttpClient();
        var r = await http.GetAsync(new Uri($"http://{sim.WebSocketUrl.Authority}/"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        r = await http.GetAsync(new Uri($"http://{sim.WebSocketUrl.Authority}/other")); // any path is the WebSocket
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }
}

public sealed class FaultTimingTests
{
    [Fact]
    public async Task A_timed_stall_ends_by_itself()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        await Sim.SessionsAsync(sim, s => s.Count == 1);
        // Timed from before the stall: its timer starts inside Stall, and a thread preempted after it saw less than 300 ms.
        var sent = DateTime.UtcNow;
        await sim.Faults.Stall(TimeSpan.FromMilliseconds(300));
        var reply = await c.RequestAsync("H0UPCNT0", "0001"); // held until the stall ends
        Assert.Equal(OpspCode.SubscribeSuccess, reply.Code);
        Assert.True(DateTime.UtcNow - sent >= TimeSpan.FromMilliseconds(250));
        Assert.False(sim.Faults.IsStalled);
    }

    [Fact]
    public async Task A_timed_stall_does_not_end_a_later_stall_and_its_timer_is_disposed()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 0, 30, 0, TimeSpan.Zero));
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.Off });
        var timers = clock.TimerCount;

        await sim.Faults.Stall(TimeSpan.FromSeconds(10));
        Assert.Equal(timers + 1, clock.TimerCount);
        await sim.Faults.Unstall();
        Assert.Equal(timers, clock.TimerCount); // an unstall cancels the pending timed end
        await sim.Faults.Stall(); // manual: only Unstall ends it
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.True(sim.Faults.IsStalled);

        await sim.Faults.Stall(TimeSpan.FromSeconds(10));
        await sim.Faults.Stall(TimeSpan.FromSeconds(30)); // the later timed stall replaces the earlier one
        Assert.Equal(timers + 1, clock.TimerCount);
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(sim.Faults.IsStalled);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(sim.Faults.IsStalled);
        Assert.Equal(timers, clock.TimerCount); // a timer that fired is disposed

        await sim.Faults.Stall(TimeSpan.Zero); // fires at once (on the next advance): still ends and is disposed
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(sim.Faults.IsStalled);
        Assert.Equal(timers, clock.TimerCount);
    }

    [Fact]
    public void Options_ToString_hides_secrets()
    {
        var text = SimulatorOptions.Default.ToString() + SimulatorOptions.Default.Credentials[0];
        Assert.DoesNotContain(SimulatorOptions.DefaultAppSecret, text);
        Assert.DoesNotContain(SimulatorOptions.DefaultAppKey, text);
    }
}
