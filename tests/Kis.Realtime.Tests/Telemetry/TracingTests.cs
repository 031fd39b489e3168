using System.Collections.Concurrent;
using System.Diagnostics;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Telemetry;

/// <summary>The library's spans: connect, approval, subscribe and reconnect, never one per record.</summary>
public sealed class TracingTests
{
    private static readonly ActivitySource TestSource = new("Kis.Realtime.Tests.Tracing");

    [Fact]
    public async Task Connect_approval_subscribe_and_reconnect_are_spans_and_records_are_not()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is KisRealtimeClient.ActivitySourceName or "Kis.Realtime.Tests.Tracing",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await using var sim = await StartSimAsync();
        using var root = TestSource.StartActivity("test");
        Assert.NotNull(root);
        var trace = root.TraceId;
        // Other tests run at once on the same static source: only this test's trace counts.
        List<Activity> Mine() => spans.Where(a => a.TraceId == trace && a.Source.Name == KisRealtimeClient.ActivitySourceName).ToList();

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
        var approval = mine.First(a => a.OperationName == "kis.realtime.approval");
        Assert.Equal(connect.SpanId, approval.ParentSpanId);
        var subscribe = mine.First(a => a.OperationName == "kis.realtime.subscribe");
        Assert.Equal("0001", subscribe.GetTagItem("kis.tr_key"));
        Assert.All(mine, a => Assert.DoesNotContain(SimulatorOptionsSecret, string.Join(",", a.TagObjects.Select(t => t.Value))));
    }

    [Fact]
    public async Task A_refused_subscription_is_an_error_span_with_KIS_code()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is KisRealtimeClient.ActivitySourceName or "Kis.Realtime.Tests.Tracing",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var sim = await StartSimAsync();
        using var root = TestSource.StartActivity("test");
        var trace = root!.TraceId;

        await using var client = new KisRealtimeClient(Options(sim));
        sim.Faults.FailNextRequests(Kis.Realtime.Protocol.OpspCode.InvalidTrKey);
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        await Assert.ThrowsAsync<KisSubscriptionException>(() => ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

        var subscribe = spans.Single(a => a.TraceId == trace && a.OperationName == "kis.realtime.subscribe");
        Assert.Equal(ActivityStatusCode.Error, subscribe.Status);
        Assert.Equal("OPSP8992", subscribe.GetTagItem("error.type"));
    }

    private static string SimulatorOptionsSecret => Kis.Realtime.Simulator.SimulatorOptions.DefaultAppSecret;
}
