using System.Diagnostics;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Gateway;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Telemetry;

/// <summary>KisGatewayClient's spans, on the direct client's source: connect, subscribe, reconnect, never one per record.</summary>
public sealed class GatewayClientTracingTests
{
    [RabbitFact]
    public async Task Connect_subscribe_and_reconnect_are_spans_and_records_are_not()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            StreamMaxSegmentSizeBytes = 1024 * 1024,
            StreamMaxLengthBytes = 16L * 1024 * 1024,
        });
        // The gateway's own KIS client traces on the same source, in other traces: only this test's trace counts.
        using var spans = new SpanRecorder();
        List<Activity> Mine() => spans.Mine();

        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) },
            ConsumerId = "traced",
            RequestTimeout = TimeSpan.FromSeconds(20),
        });
        await using (var ticks = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator())
        {
            for (var i = 0; i < 30; i++) Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        }

        // The broker connection goes; the next subscription connects again.
        await proxy.CutAsync();
        await UntilAsync(() => consumer.State == KisConnectionState.Closed, "the consumer noticing the cut");
        proxy.Resume();
        await using (var ticks = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "1001").GetAsyncEnumerator())
        {
            for (var i = 0; i < 10; i++) Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        }

        // KIS's refusal, relayed by the gateway, is an error span with KIS's code.
        sim.Faults.FailNextRequests(Kis.Realtime.Protocol.OpspCode.InvalidTrKey);
        await using (var refused = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "2001").GetAsyncEnumerator())
        {
            await Assert.ThrowsAsync<KisSubscriptionException>(() => refused.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        }

        var mine = Mine();
        var names = mine.Select(a => a.OperationName).ToList();
        Assert.Equal(1, names.Count(n => n == "kis.gateway.connect"));
        Assert.Equal(1, names.Count(n => n == "kis.gateway.reconnect"));
        Assert.Equal(3, names.Count(n => n == "kis.gateway.subscribe"));
        Assert.Equal(5, mine.Count); // 40 records and no span for any of them
        var failed = mine.Single(a => a.OperationName == "kis.gateway.subscribe" && "2001".Equals(a.GetTagItem("kis.tr_key")));
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal("OPSP8992", failed.GetTagItem("error.type"));
        var connect = mine.Single(a => a.OperationName == "kis.gateway.connect");
        Assert.Equal(proxy.Port, connect.GetTagItem("server.port"));
        Assert.Equal("rabbitmq", connect.GetTagItem("messaging.system"));
        var subscribe = mine.First(a => a.OperationName == "kis.gateway.subscribe");
        Assert.Equal("0001", subscribe.GetTagItem("kis.tr_key"));
        Assert.Equal("H0UPCNT0", subscribe.GetTagItem("kis.tr_id"));
        Assert.Equal(subscribe.SpanId, connect.ParentSpanId); // the first subscription connected
        Assert.All(mine, a => Assert.DoesNotContain("guest:guest", string.Join(",", a.TagObjects.Select(t => t.Value))));
    }
}
