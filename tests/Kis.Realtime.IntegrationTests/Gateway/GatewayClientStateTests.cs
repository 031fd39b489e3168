using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 30 (6d): <see cref="KisGatewayClient.State"/> said only Connected or Closed and <c>StateChanged</c> never fired,
/// so an application could not show "reconnecting" while its readers were away from the broker.
/// </summary>
public sealed class GatewayClientStateTests
{
    [RabbitFact]
    public async Task A_lost_broker_connection_is_reported_as_reconnecting_then_connected_and_disposal_as_closed()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            StreamMaxSegmentSizeBytes = 1024 * 1024,
        });
        var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) },
            RequestTimeout = TimeSpan.FromSeconds(5),
        });
        var changes = new List<(KisConnectionState From, KisConnectionState To)>();
        consumer.StateChanged += (_, e) => { lock (changes) changes.Add((e.Previous, e.Current)); };
        Assert.Equal(KisConnectionState.Closed, consumer.State);

        using var stopReading = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var received = 0;
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stopReading.Token)) Interlocked.Increment(ref received);
        });
        await UntilAsync(() => Volatile.Read(ref received) >= 5, "records before the cut");
        Assert.Equal(KisConnectionState.Connected, consumer.State);

        await proxy.CutAsync();
        await UntilAsync(() => consumer.State == KisConnectionState.Reconnecting, "Reconnecting while the broker is away");
        proxy.Resume();
        await UntilAsync(() => consumer.State == KisConnectionState.Connected, "Connected once the reader is back", TimeSpan.FromSeconds(30));
        var afterResume = Volatile.Read(ref received);
        await UntilAsync(() => Volatile.Read(ref received) > afterResume, "records after the reconnect");

        await consumer.DisposeAsync();
        Assert.Equal(KisConnectionState.Closed, consumer.State);
        await Record.ExceptionAsync(() => reading.WaitAsync(TestTimeout));
        lock (changes)
            Assert.Equal(
            [
                (KisConnectionState.Closed, KisConnectionState.Connecting),
                (KisConnectionState.Connecting, KisConnectionState.Connected),
                (KisConnectionState.Connected, KisConnectionState.Reconnecting),
                (KisConnectionState.Reconnecting, KisConnectionState.Connected),
                (KisConnectionState.Connected, KisConnectionState.Closed),
            ], changes);
    }
}
