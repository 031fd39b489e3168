using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 30 (6c): the client held its readers lock across broker I/O, so one slow attach (a stream replica not started
/// yet retries for up to RequestTimeout; a slow broker) held up every other subscription and DisposeAsync.
/// </summary>
public sealed class GatewayClientReadersTests
{
    [RabbitFact]
    public async Task A_slow_attach_holds_up_neither_another_subscription_nor_disposal()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim), Endpoint = broker.Endpoint, StreamMaxSegmentSizeBytes = 1024 * 1024, StreamMaxLengthBytes = 16L * 1024 * 1024,
        });
        var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, RequestTimeout = TimeSpan.FromSeconds(10) });
        var attaches = 0;
        var firstAttachWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        consumer.AttachHook = async ct =>
        {
            if (Interlocked.Increment(ref attaches) != 1) return;
            firstAttachWaiting.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct); // the first attach never gets an answer
        };
        await consumer.ConnectAsync();

        var stuck = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        var stuckFirst = stuck.MoveNextAsync().AsTask();
        await firstAttachWaiting.Task.WaitAsync(TestTimeout);

        // Another TR's subscription attaches and reads while the first attach hangs.
        await using (var trades = consumer.SubscribeRecordsAsync(KisTrs.StockTrades, "005930").GetAsyncEnumerator())
            Assert.True(await trades.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

        // Disposal ends the hanging attach instead of waiting for it; the stuck enumeration ends with the client.
        await consumer.DisposeAsync().AsTask().WaitAsync(TestTimeout);
        var ended = await Record.ExceptionAsync(async () => Assert.False(await stuckFirst.WaitAsync(TestTimeout)));
        Assert.True(ended is null or ObjectDisposedException or OperationCanceledException or KisConnectionException, $"unexpected end: {ended}");
        Assert.Equal(0, consumer.OpenReaders);
    }
}
