using Kis.Realtime.Gateway;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Trs;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A gateway restarted while KIS still holds its app key (after a crash KIS may keep the old session "in use" for a
/// while): it must neither exit nor hammer the key, nor fail its consumers' subscriptions, and serve once the key is free.
/// </summary>
public class GatewayKeyInUseTests
{
    [RabbitFact]
    public async Task A_gateway_started_while_the_app_key_is_held_waits_says_why_and_serves_its_consumers_once_the_key_is_free()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });

        // The old session, still live on the server: it holds the app key (what KIS does for a while after a crash).
        var holder = new KisRealtimeClient(Options(sim));
        await using (var firstRecord = holder.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator())
            Assert.True(await firstRecord.MoveNextAsync());

        var retryDelay = TimeSpan.FromMilliseconds(300);
        await using var client = new KisRealtimeClient(Options(sim) with { AppKeyInUseRetryDelay = retryDelay, RetryOnInitialConnect = true, FullMode = KisFullMode.Wait });
        var keyInUse = new List<KisStateChangedEventArgs>();
        client.StateChanged += (_, e) => { if (e.Code == OpspCode.AppKeyInUse) lock (keyInUse) keyInUse.Add(e); };
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with { Endpoint = broker.Endpoint }, client);

        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint });
        var received = new List<KisRecord>();
        using var stopReading = new CancellationTokenSource(TestTimeout);
        var reading = Task.Run(async () =>
        {
            await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stopReading.Token))
                lock (received) received.Add(record);
        });

        // Refused twice with OPSP8996: said (state, code, when it retries), the consumer's subscription still open.
        await UntilAsync(() => { lock (keyInUse) return keyInUse.Count >= 2; }, "two OPSP8996 refusals reported in StateChanged");
        lock (keyInUse)
            Assert.All(keyInUse, e => Assert.True(e.Current == KisConnectionState.Reconnecting && e.RetryIn >= retryDelay, $"{e.Current} retry in {e.RetryIn}"));
        Assert.False(reading.IsCompleted, reading.Exception?.ToString());
        lock (received) Assert.Empty(received);
        Assert.Contains(gateway.Status().Sessions, s => s.State != KisConnectionState.Connected);

        // The old session ends: the gateway gets the key at its next retry and its consumer gets records.
        await holder.DisposeAsync();
        await UntilAsync(() => { lock (received) return received.Count >= 20; }, "records at the consumer once the key is free");
        Assert.False(reading.IsCompleted, reading.Exception?.ToString());
        Assert.Contains(gateway.Status().Sessions, s => s.State == KisConnectionState.Connected);
        // It waited between attempts instead of hammering the key: one refusal per retry delay, not a storm.
        Assert.InRange(sim.Counters.SessionsRefused, 2, 5);
        stopReading.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }
}
