using Kis.Realtime.Gateway;
using Kis.Realtime.Protocol;
using Xunit.Abstractions;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Bars;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway.WholeMarket;

/// <summary>
/// The CI-sized whole-market run (issue 61, item 3): ten app keys pool 400 registrations of the market-scale universe
/// (the 200 busiest stocks' trades and books, 40 a key) through one gateway into RabbitMQ across the open's burst; an
/// independent consumer (plain AMQP, reading each TR's stream by offset from its first message) counts every key's
/// records against the simulator's own count of what it sent. One record lost or doubled fails it. The harness with the
/// figures is <c>bench/Kis.Realtime.Benchmarks -- whole-market</c> (docs/performance.md).
/// </summary>
public class GatewayWholeMarketTests(ITestOutputHelper output)
{
    private const int Keys = 10, Stocks = 200;
    private static readonly TrDefinition[] Trs = [KisTrs.H0STCNT0, KisTrs.H0STASP0];

    [RabbitFact]
    public async Task Ten_keys_carry_400_registrations_of_the_whole_market_through_the_open_s_burst_with_nothing_lost_or_doubled()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var keys = Enumerable.Range(1, Keys)
            .Select(i => new SimulatorCredential($"PSsimWholeMarketCiKey{i:D15}", $"whole-market-secret-{i:D2}", $"simkey{i:D3}")).ToList();
        // The scenario starts ten seconds before KRX's open: the keys subscribe, then 09:00 brings the burst (10 s at 10,000
        // records/s across the universe, about half of it on these 200 names), then the steady 2,000/s. The market clock
        // stands at 08:59:50 until the 400 holds do: a loaded machine may take more than those ten seconds to start the
        // gateway and hold them, and the burst would pass before the keys subscribed.
        var time = new HeldMarketTime();
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with
        {
            Universe = SimulatorUniverse.KrxAll,
            Pace = MarketPace.MarketWide(2_000, 10_000, TimeSpan.FromSeconds(10)),
            MarketStart = new DateTimeOffset(2026, 3, 9, 8, 59, 50, KoreaTime.Offset),
            Credentials = keys,
            Seed = 7,
            TimeProvider = time,
        });
        var client = Options(sim, [.. keys.Select(k => new KisCredential(k.AppKey, k.AppSecret))]) with
        {
            LivenessTimeout = TimeSpan.FromMinutes(5), // the stall that ends the count must not look like a dead connection
        };
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with { Client = client, Endpoint = broker.Endpoint });
        var codes = KisSimulatorInstrument.List(7, new DateOnly(2026, 3, 9), SimulatorUniverse.KrxAll).Where(i => i.Kind == "stock").Take(Stocks)
            .Select(i => i.Code).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Held in parallel: each waits for its key's answer, and the ten keys answer side by side.
        await Parallel.ForEachAsync(Trs.SelectMany(tr => codes.Select(code => (tr, code))), new ParallelOptions { MaxDegreeOfParallelism = Keys },
            async (r, ct) => await gateway.HoldAsync(r.tr, r.code, ct));
        output.WriteLine($"held {Keys * 40} in {clock.Elapsed.TotalSeconds:0.0} s, market time {sim.MarketTime:HH:mm:ss}");
        Assert.Equal(Keys, sim.Sessions.Count);
        Assert.All(sim.Sessions, s => Assert.InRange(s.Subscriptions.Count, 1, 41)); // KIS's cap holds per key
        Assert.Equal(Keys * 40, sim.Sessions.Sum(s => s.Subscriptions.Count));
        time.Run();

        // Through the burst and five seconds of the steady rate, on the market clock.
        var end = new DateTime(2026, 3, 9, 9, 0, 15);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(40)))
            while (sim.MarketTime < end) await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);

        // Stop the market where it is: the stalled sessions neither make nor send another record. What each instrument sent
        // (made minus what is still on its tape) is the truth; every sent record is in the sessions' own count.
        await sim.Faults.Stall();
        try
        {
            var sent = await SettledAsync(sim);
            output.WriteLine($"stalled at {clock.Elapsed.TotalSeconds:0.0} s: {sent.Values.Sum()} records sent");
            Assert.True(sent.Values.Sum() > 10_000, $"only {sent.Values.Sum()} records made: the run did not reach the burst");

            foreach (var tr in Trs)
            {
                var expected = sent.Where(s => s.Key.TrId == tr.Id).ToDictionary(s => s.Key.Key, s => s.Value);
                var counts = new Dictionary<string, List<long>>();
                var counted = 0;
                var runs = new HashSet<string>();
                var reading = broker.ReadStreamWithRunsAsync(tr.Id, list =>
                {
                    // Each message adds one record or several: count the new ones.
                    for (; counted < list.Count; counted++)
                    {
                        var record = list[counted];
                        if (!counts.TryGetValue(record.Key, out var seqs)) counts[record.Key] = seqs = [];
                        seqs.Add(record.Seq);
                        runs.Add(record.Run);
                    }
                    return expected.All(e => counts.TryGetValue(e.Key, out var got) && got.Count >= e.Value);
                });
                try
                {
                    await reading;
                }
                catch (TimeoutException)
                {
                    // A key short of its count never completes the read (bounded at 30 s): the per-key check below says which.
                }
                foreach (var (key, made) in expected)
                {
                    var seqs = counts.GetValueOrDefault(key) ?? [];
                    var distinct = seqs.Distinct().Count();
                    Assert.True(made == distinct && seqs.Count == distinct,
                        $"{tr} {key}: simulator sent {made}, stream holds {distinct} distinct ({made - distinct} lost), {seqs.Count - distinct} doubled");
                    Assert.Equal(Enumerable.Range(1, (int)made).Select(s => (long)s), seqs.Order());
                }
                Assert.Single(runs);
                output.WriteLine($"{tr.Id} counted at {clock.Elapsed.TotalSeconds:0.0} s");
            }
            // Nothing moved while the streams were read: the count compared was final.
            Assert.Equal(sent, await SettledAsync(sim));
            Assert.Equal(0, sim.Counters.RecordsLostBehind);
        }
        finally
        {
            // A stalled session holds every request unanswered: the gateway's unsubscribes at disposal would each wait out.
            await sim.Faults.Unstall();
        }
    }

    /// <summary>
    /// Each instrument's records sent (made, less those still on its tape), once every record taken from a tape has
    /// been written to its socket (the sessions' count agrees): a session that was mid-frame when the stall came finishes it.
    /// </summary>
    private static async Task<Dictionary<(string TrId, string Key), long>> SettledAsync(KisSimulator sim)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var sent = sim.Instruments.ToDictionary(i => (i.TrId, i.Key), i => i.RecordsMade - i.RecordsUnsent);
            if (sent.Values.Sum() == sim.Sessions.Sum(s => s.RecordsSent)) return sent;
            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }
    }
}
