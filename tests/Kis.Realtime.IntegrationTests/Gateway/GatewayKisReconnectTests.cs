using System.Text;
using System.Text.Json;
using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, finding 1: a KIS session that reconnected inside a run lost what KIS sent while it was away, and the run's
/// seqs went on consecutively: a consumer checking seqs could not see it (819 volume jumps inside runs, 36,931 records in no
/// stated gap). A reconnect inside a run is announced on each of its keys' streams, ahead of the first record after it.
/// </summary>
[Collection(nameof(RecordKillTests))] // runs alone: it keeps both cores busy
public class GatewayKisReconnectTests
{
    private const string Key = "005930";
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [RabbitFact]
    public async Task A_KIS_session_dropped_inside_a_run_is_announced_where_its_records_are_missing()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(1_000) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim) with { FullMode = KisFullMode.Wait, LivenessTimeout = TimeSpan.FromMinutes(5) },
            Endpoint = broker.Endpoint,
            StreamMaxSegmentSizeBytes = 1024 * 1024,
            StreamMaxLengthBytes = 64L * 1024 * 1024,
        });
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
            { Endpoint = broker.Endpoint, Start = GatewayStart.First, ConsumerId = "reconnect" });
        var gaps = new List<GatewayGap>();
        consumer.RunGapDetected += (_, gap) => { lock (gaps) gaps.Add(gap); };
        var trades = 0;
        using var stop = new CancellationTokenSource(Long * 2);
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in consumer.SubscribeStockTradesAsync(Key, cancellationToken: stop.Token)) Interlocked.Increment(ref trades);
        });
        await UntilAsync(() => Volatile.Read(ref trades) >= 200 || reading.IsCompleted, "200 trades before the drop", Long);

        using (new BusyCores()) // both cores busy across the drop and the reconnect
        {
            Assert.True(await sim.Faults.DropConnections() >= 1);
            await UntilAsync(() => sim.Counters.SessionsAccepted >= 2, "the gateway's KIS session reconnecting", Long);
            var after = Volatile.Read(ref trades);
            await UntilAsync(() => Volatile.Read(ref trades) >= after + 200 || reading.IsCompleted, "200 trades after the reconnect", Long);
        }
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        var received = gateway.Status().Received;

        // The stream as a plain AMQP consumer reads it: every break of the cumulative volume within the run lies right after
        // an announcement of the reconnect that names the run's record before it; and the reconnect was announced.
        var messages = await broker.ReadEveryMessageAsync("H0STCNT0",
            list => list.Where(m => !m.Headers.ContainsKey(GatewayWire.KindHeader)).Sum(m => RabbitTestBroker.RecordsOf(m.Headers, m.Body).Count) >= received);
        var (announced, breaks, stated) = (0, 0, 0);
        (string Run, long LastSeq)? pending = null;
        (string Run, long Seq, long Accumulated)? last = null;
        foreach (var (headers, body) in messages)
        {
            if (headers.ContainsKey(GatewayWire.KindHeader))
            {
                if (headers.TryGetValue(GatewayWire.TrKeyHeader, out var k) && k is byte[] b && Encoding.UTF8.GetString(b) != Key) continue;
                var a = JsonSerializer.Deserialize<JsonElement>(body);
                if (!a.TryGetProperty("kis_reconnected_at", out _)) continue; // a run's own announcement (none here)
                announced++;
                pending = (a.GetProperty("run").GetString()!, a.GetProperty("last_seq").GetInt64());
                continue;
            }
            foreach (var (run, key, seq, record) in RabbitTestBroker.RecordsOf(headers, body))
            {
                if (key != Key) continue;
                Assert.True(StockTrade.TryDecode(KisTrs.H0STCNT0, record, out var trade, out _), Encoding.UTF8.GetString(record));
                if (last is { } l && l.Run == run)
                {
                    Assert.Equal(l.Seq + 1, seq); // the seqs go on: the announcement, not a seq jump, says what is missing
                    var statedHere = pending is { } p && p.Run == run && p.LastSeq == l.Seq;
                    if (trade.CumulativeVolume - trade.Volume != l.Accumulated)
                    {
                        breaks++;
                        Assert.True(statedHere, $"acml_vol {l.Accumulated} at seq {l.Seq}, then {trade.CumulativeVolume} (volume {trade.Volume}) at " +
                                                $"seq {seq}: records missing in no stated gap");
                    }
                    if (statedHere) stated++;
                }
                pending = null;
                last = (run, seq, trade.CumulativeVolume);
            }
        }
        Console.WriteLine($"reconnects announced {announced}, volume breaks {breaks}, announcements before a record {stated}");
        Assert.True(announced >= 1, $"the KIS session reconnected ({sim.Counters.SessionsAccepted} sessions) and no reconnect was announced " +
                                    $"({breaks} volume breaks)");
        Assert.Equal(announced, stated);

        // The library's consumer reports each as a gap within the run, with the volume KIS traded while the session was away.
        await UntilAsync(() => { lock (gaps) return gaps.Count(g => g.KisSessionReconnectedAt is not null) >= announced; }, "the gaps reported", Long);
        lock (gaps)
        {
            var within = gaps.Where(g => g.KisSessionReconnectedAt is not null).ToList();
            Assert.True(within.Count == announced, string.Join("\n", gaps));
            Assert.All(within, g => Assert.Equal(g.PreviousRun, g.NextRun));
            Assert.All(within, g => Assert.Equal(g.LastSequence + 1, g.FirstSequence));
            Assert.All(within, g => Assert.NotNull(g.MissedVolume)); // a trade TR: its cumulative volume tells the extent
        }
    }
}
