using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client.Events;
using Kis.Realtime.Simulator;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72: every broker call site handles every broker fault, the consumer's reader among them. A stream reader's
/// attach (channel, qos, consume) meets the faults a loaded broker gives — 541, 320, a closed channel, an operation not
/// answered in time (a cancellation nobody asked for) — on the subscription's first attach and again after its
/// connection is lost: the subscription goes on, and the consumer reads the stream's records exactly, nothing missing
/// or doubled. Before, the first fault at the first attach ended the subscription with it (a
/// <see cref="TaskCanceledException"/> for the broker's timeout, as if the consumer had cancelled).
/// </summary>
public sealed class GatewayClientReaderFaultTests
{
    private static Queue<Exception> LoadedBrokerFaults() => new([
        new OperationInterruptedException(new ShutdownEventArgs(ShutdownInitiator.Peer, 541, "INTERNAL_ERROR")),
        new OperationInterruptedException(new ShutdownEventArgs(ShutdownInitiator.Peer, 320, "CONNECTION_FORCED - broker forced connection closure")),
        new AlreadyClosedException(new ShutdownEventArgs(ShutdownInitiator.Library, 504, "CHANNEL_ERROR - channel closed")),
        new TaskCanceledException("A task was canceled."),
    ]);

    private static Task<KisGateway> StartGatewayAsync(KisSimulator sim, RabbitTestBroker broker) => KisGateway.StartAsync(KisGatewayOptions.Default with
    {
        Client = Options(sim), Endpoint = broker.Endpoint, Linger = TimeSpan.FromMilliseconds(300), StatusInterval = TimeSpan.FromSeconds(1),
    });

    [RabbitFact]
    public async Task Faults_at_the_first_attach_and_at_the_reattach_are_retried_and_no_record_is_missed()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(50) });
        await using var gateway = await StartGatewayAsync(sim, broker);
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        var faults = LoadedBrokerFaults();
        var injected = 0;
        await using var client = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) },
            Start = GatewayStart.First,
            ConsumerId = "reader-faults",
            RequestTimeout = TimeSpan.FromSeconds(60), // the first attach's retries are bounded by it: a loaded machine's pace
            BrokerFaults = site =>
            {
                if (site != BrokerCallSites.ReaderAttach) return null;
                lock (faults)
                {
                    if (!faults.TryDequeue(out var fault)) return null;
                    injected++;
                    return fault;
                }
            },
        });

        var received = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var records = client.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", timeout.Token).GetAsyncEnumerator(timeout.Token);
        async Task TakeAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await records.MoveNextAsync(), "the subscription ended");
                received.Add(System.Text.Encoding.UTF8.GetString(records.Current.Data.Span));
            }
        }
        await TakeAsync(20);
        Assert.Equal(4, Volatile.Read(ref injected)); // the first attach met every fault, and went on

        // The connection lost under the reader: its reattach meets the same faults, then goes on where it was.
        lock (faults) foreach (var fault in LoadedBrokerFaults()) faults.Enqueue(fault);
        await proxy.CutAsync();
        proxy.Resume();
        await TakeAsync(40);
        Assert.Equal(8, Volatile.Read(ref injected));

        // The ground truth: the stream as the gateway published it, read by a plain AMQP consumer from its first record.
        var stream = await broker.ReadStreamAsync("H0UPCNT0", list => list.Count(r => r.Key == "0001") >= received.Count);
        var truth = stream.Where(r => r.Key == "0001").Take(received.Count).Select(r => System.Text.Encoding.UTF8.GetString(r.Body)).ToList();
        Assert.Equal(truth, received);
    }
    [RabbitFact]
    public async Task A_broker_that_keeps_timing_out_the_attach_fails_the_subscription_typed_once_the_request_time_is_over()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(50) });
        await using var gateway = await StartGatewayAsync(sim, broker);
        var attempts = 0;
        await using var client = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint,
            ConsumerId = "reader-timeouts",
            RequestTimeout = TimeSpan.FromSeconds(20), // the gateway's stream request under load; the attach's retries too
            // Every attach: the broker's client ending an operation unanswered within its continuation timeout.
            BrokerFaults = site =>
            {
                if (site != BrokerCallSites.ReaderAttach) return null;
                Interlocked.Increment(ref attempts);
                return new TaskCanceledException("A task was canceled.");
            },
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var failure = await Assert.ThrowsAsync<KisConnectionException>(async () =>
        {
            await foreach (var _ in client.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", timeout.Token)) { }
        });
        Assert.False(timeout.IsCancellationRequested);
        Assert.Contains("could not attach to stream", failure.Message);
        Assert.Contains("did not answer in time", failure.Message);
        Assert.True(Volatile.Read(ref attempts) >= 2, $"{attempts} attempts: the fault was not tried again");
    }
}
