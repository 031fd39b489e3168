using Kis.Realtime.Gateway;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A gateway restarted while KIS still holds its app key (after a crash KIS may keep the old session "in use" for a
/// while): it must neither exit nor hammer the key, nor fail its consumers' subscriptions, and serve once the key is
/// free; stopped meanwhile, it stops at once.
/// </summary>
public class GatewayKeyInUseTests
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(300);

    [RabbitFact]
    public async Task A_gateway_started_while_the_app_key_is_held_waits_says_why_and_serves_its_consumers_once_the_key_is_free()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var holder = await HoldKeyAsync(sim);
        await using var client = GatewayClient(sim, out var keyInUse);
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
        lock (keyInUse) // the retry delay with its ±20 % jitter
            Assert.All(keyInUse,
                e => Assert.True(e.Current == KisConnectionState.Reconnecting && e.RetryIn >= RetryDelay * 0.8, $"{e.Current} retry in {e.RetryIn}"));
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

    [RabbitFact]
    public async Task A_gateway_stopped_while_its_registration_waits_for_the_app_key_stops_at_once()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var holder = await HoldKeyAsync(sim);
        await using var client = GatewayClient(sim, out var keyInUse);
        var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with { Endpoint = broker.Endpoint }, client);
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint });
        using var stopReading = new CancellationTokenSource(TestTimeout);
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stopReading.Token)) { }
        });
        await UntilAsync(() => { lock (keyInUse) return keyInUse.Count >= 1; }, "the registration refused with OPSP8996");

        // Before the fix the gateway waited for that registration forever (Ctrl+C hung `kisrt gateway`).
        await gateway.DisposeAsync().AsTask().WaitAsync(TestTimeout);
        stopReading.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(TestTimeout));
    }

    /// <summary>The old session, still live on the server: it holds the app key (what KIS does for a while after a crash).</summary>
    private static async Task<KisRealtimeClient> HoldKeyAsync(KisSimulator sim)
    {
        var holder = new KisRealtimeClient(Options(sim));
        await using var first = holder.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        return holder;
    }

    /// <summary>The gateway's KIS client on the same app key, retrying OPSP8996 after <see cref="RetryDelay"/>.</summary>
    private static KisRealtimeClient GatewayClient(KisSimulator sim, out List<KisStateChangedEventArgs> keyInUse)
    {
        var client = new KisRealtimeClient(Options(sim) with { AppKeyInUseRetryDelay = RetryDelay, RetryOnInitialConnect = true, FullMode = KisFullMode.Wait });
        var refusals = new List<KisStateChangedEventArgs>();
        client.StateChanged += (_, e) => { if (e.Code == OpspCode.AppKeyInUse) lock (refusals) refusals.Add(e); };
        keyInUse = refusals;
        return client;
    }
}
