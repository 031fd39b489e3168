using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A key released (its last consumer left, the linger ended) and registered again within one gateway run continues its
/// seqs, so (run, key, seq) names one record. What KIS traded while the key was not registered never reached the gateway:
/// a consumer saw consecutive seqs and a cumulative-volume jump with nothing stated (the audit's UNSTATED). The new
/// registration announces it on the key's stream ahead of its first record, as a KIS session's reconnect is announced.
/// </summary>
public class GatewayRegisteredAgainTests(ITestOutputHelper output)
{
    private const string Key = "005930";
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [RabbitFact]
    public async Task A_key_registered_again_while_KIS_traded_it_states_what_it_missed_and_the_audit_finds_nothing_unstated()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        // A second app key watches the stock the whole time: the simulator makes a stock's trades as its feeds ask for
        // them, so it keeps trading while the gateway holds no registration of it, as KIS's market does.
        var watcherKey = new SimulatorCredential("PSsimRegisteredAgainWatcher".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret,
            SimulatorOptions.DefaultHtsId);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200), Credentials = [.. o.Credentials, watcherKey] });
        await using var watcher = new KisRealtimeClient(Options(sim, new KisCredential(watcherKey.AppKey, watcherKey.AppSecret)));
        var watched = 0L;
        using var stopWatching = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            await foreach (var _ in watcher.SubscribeStockTradesAsync(Key, cancellationToken: stopWatching.Token)) Interlocked.Increment(ref watched);
        });
        await UntilAsync(() => Interlocked.Read(ref watched) >= 20 || watching.IsCompleted, "the watcher's first trades", Long);

        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            Linger = TimeSpan.FromMilliseconds(300),
            Lease = TimeSpan.FromSeconds(10),
            StreamMaxSegmentSizeBytes = 1024 * 1024,
            StreamMaxLengthBytes = 64L * 1024 * 1024,
        });
        // A live consumer whose own claim registers the key again reads that announcement before its first record: the
        // gap is before where it started, not one it saw (it reported seq N+1 -> N+2 as a gap once).
        var liveGaps = new List<GatewayGap>();
        for (var round = 0; round < 2; round++)
        {
            await using (var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
                             { Endpoint = broker.Endpoint, Start = GatewayStart.Live, ConsumerId = $"round-{round}" }))
            {
                consumer.RunGapDetected += (_, gap) => { lock (liveGaps) liveGaps.Add(gap); };
                var taken = 0;
                using var enough = new CancellationTokenSource(Long);
                await foreach (var _ in consumer.SubscribeStockTradesAsync(Key, cancellationToken: enough.Token))
                    if (++taken == 30) break;
            }
            await UntilAsync(() => gateway.Status().Registrations.Count == 0, "the registration released after its linger", Long);
            // KIS trades the stock on while nobody at the gateway holds it.
            var before = Interlocked.Read(ref watched);
            await UntilAsync(() => Interlocked.Read(ref watched) >= before + 30 || watching.IsCompleted, "30 trades while the key is released", Long);
        }
        Assert.True(await gateway.WaitForConfirmsAsync(Long));
        lock (liveGaps) Assert.True(liveGaps.Count == 0, "live consumers reported " + string.Join("; ", liveGaps));

        var report = await KisGatewayAudit.AuditAsync(broker.Endpoint, GatewayAuditOptions.Default with { Trs = ["H0STCNT0"] });
        foreach (var finding in report.Findings) output.WriteLine(finding.ToString());
        Assert.True(report.Clean, string.Join("\n", report.Findings));
        // The second registration's gap is stated, with the volume KIS traded meanwhile as its extent.
        Assert.Equal((1, 0), (report.Counts.RegisteredAgainStated, report.Counts.ReconnectsStated));
        Assert.True(report.Counts.StatedVolume > 0, $"stated volume {report.Counts.StatedVolume}");
        Assert.Equal(0, report.Counts.VolumeJumps);

        // The library's consumer, replaying the stream, reports it as a gap within the run, with the volume KIS traded meanwhile
        // (first: its own claim registers the key a third time, a gap of its own).
        await using var replay = new KisGatewayClient(KisGatewayClientOptions.Default with
            { Endpoint = broker.Endpoint, Start = GatewayStart.First, ConsumerId = "replay" });
        var gaps = new List<GatewayGap>();
        replay.RunGapDetected += (_, gap) => { lock (gaps) gaps.Add(gap); };
        using var replayed = new CancellationTokenSource(Long);
        await foreach (var _ in replay.SubscribeStockTradesAsync(Key, cancellationToken: replayed.Token))
            lock (gaps) if (gaps.Count > 0) break;
        GatewayGap within;
        lock (gaps) within = gaps[0];
        Assert.NotNull(within.KeyRegisteredAgainAt);
        Assert.Null(within.KisSessionReconnectedAt);
        Assert.Equal(within.PreviousRun, within.NextRun);
        Assert.Equal(within.LastSequence + 1, within.FirstSequence);
        Assert.True(within.MissedVolume > 0, within.ToString());
        Assert.True(within.KeyRegisteredAgainAt <= within.FirstReceivedAt, within.ToString()); // asked of KIS before its first record
        await stopWatching.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);
    }
}
