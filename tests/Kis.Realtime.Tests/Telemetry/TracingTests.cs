using System.Diagnostics;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Telemetry;

/// <summary>The library's spans: connect, approval, subscribe and reconnect, never one per record.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task Connect_approval_subscribe_and_reconnect_are_spans_and_records_are_not()
    {
        await using var sim = await StartSimAsync();
        using var spans = new SpanRecorder();
        List<Activity> Mine() => spans.Mine();

        await using var client = new KisRealtimeClient(Options(sim));
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        for (var i = 0; i < 20; i++) await ticks.NextAsync();

        var reconnected = NextStateAsync(client, e => e.Current == KisConnectionState.Connected);
        await sim.Faults.DropConnections();
        await reconnected.WaitAsync(TestTimeout);
        await UntilAsync(() => Mine().Count(a => a.OperationName == "kis.realtime.subscribe") >= 2, "the resubscription's span");
        for (var i = 0; i < 20; i++) await ticks.NextAsync();

        var mine = Mine();
        var names = mine.Select(a => a.OperationName).ToList();
        Assert.Equal(1, names.Count(n => n == "kis.realtime.connect"));
        Assert.Equal(1, names.Count(n => n == "kis.realtime.reconnect"));
        Assert.Equal(2, names.Count(n => n == "kis.realtime.approval"));
        Assert.Equal(2, names.Count(n => n == "kis.realtime.subscribe"));
        Assert.Equal(6, mine.Count); // 40 records and no span for any of them
        var connect = mine.Single(a => a.OperationName == "kis.realtime.connect");
        Assert.Equal(sim.WebSocketUrl.Port, connect.GetTagItem("server.port"));
        // A reconnect is the connect's sibling in the caller's trace, not its child (a long session is no ever deeper chain).
        var reconnect = mine.Single(a => a.OperationName == "kis.realtime.reconnect");
        Assert.True(connect.ParentSpanId == reconnect.ParentSpanId,
            $"the reconnect's parent is {Describe(reconnect.Parent)}, the connect's {Describe(connect.Parent)}");
        var approval = mine.First(a => a.OperationName == "kis.realtime.approval");
        Assert.Equal(connect.SpanId, approval.ParentSpanId);
        var subscribe = mine.First(a => a.OperationName == "kis.realtime.subscribe");
        Assert.Equal("0001", subscribe.GetTagItem("kis.tr_key"));
        Assert.All(mine, a => Assert.DoesNotContain(SimulatorOptionsSecret, string.Join(",", a.TagObjects.Select(t => t.Value))));
    }

    private static string Describe(Activity? a) => a is null ? "none" : $"{a.OperationName} ({a.SpanId})";

    [Fact]
    public async Task A_refused_subscription_is_an_error_span_with_KIS_code()
    {
        await using var sim = await StartSimAsync();
        using var spans = new SpanRecorder();

        await using var client = new KisRealtimeClient(Options(sim));
        sim.Faults.FailNextRequests(Kis.Realtime.Protocol.OpspCode.InvalidTrKey);
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        await Assert.ThrowsAsync<KisSubscriptionException>(() => ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

        var subscribe = spans.Mine().Single(a => a.OperationName == "kis.realtime.subscribe");
        Assert.Equal(ActivityStatusCode.Error, subscribe.Status);
        Assert.Equal("OPSP8992", subscribe.GetTagItem("error.type"));
    }

    private static string SimulatorOptionsSecret => Kis.Realtime.Simulator.SimulatorOptions.DefaultAppSecret;
}
