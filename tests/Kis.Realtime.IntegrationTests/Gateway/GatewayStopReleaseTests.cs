using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, finding 2: a planned stop at whole-market size (5,400 registrations) was killed by the host's 30 s termination
/// timeout (exit 143, no summary, no final checkpoint). The stop released its registrations one after another, each a KIS
/// request paced at <see cref="KisRealtimeOptions.SubscribePacing"/> on its session: 5,400 × 100 ms. Each session's
/// releases are paced on their own, so the sessions release side by side.
/// </summary>
[Collection(nameof(RecordKillTests))] // runs alone: it keeps both cores busy
public class GatewayStopReleaseTests(ITestOutputHelper output)
{
    private const int Keys = 6, PerKey = 40;

    [RabbitFact]
    public async Task A_stop_releases_each_sessions_registrations_side_by_side_and_publishes_everything_received()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var keys = Enumerable.Range(1, Keys)
            .Select(i => new SimulatorCredential($"PSsimStopReleaseKey{i:D17}", $"stop-release-secret-{i:D2}", $"simkey{i:D3}")).ToList();
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with
        {
            Universe = SimulatorUniverse.KrxAll,
            Pace = MarketPace.MarketWide(2_000),
            Credentials = keys,
            Seed = 7,
            MarketStart = new DateTimeOffset(2026, 3, 9, 9, 30, 0, KoreaTime.Offset),
        });
        var client = Options(sim, [.. keys.Select(k => new KisCredential(k.AppKey, k.AppSecret))]) with
        {
            LivenessTimeout = TimeSpan.FromMinutes(5),
            SubscribePacing = KisRealtimeOptions.Default.SubscribePacing, // KIS's pacing, as in production (100 ms a request a session)
        };
        var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with { Client = client, Endpoint = broker.Endpoint });
        var codes = KisSimulatorInstrument.List(7, new DateOnly(2026, 3, 9), SimulatorUniverse.KrxAll).Where(i => i.Kind == "stock")
            .Take(Keys * PerKey).Select(i => i.Code).ToList();
        try
        {
            await Parallel.ForEachAsync(codes, new ParallelOptions { MaxDegreeOfParallelism = Keys },
                async (code, ct) => await gateway.HoldAsync(KisTrs.H0STCNT0, code, ct));
            Assert.Equal(Keys * PerKey, sim.Sessions.Sum(s => s.Subscriptions.Count));
            await UntilAsync(() => gateway.Status().Confirmed >= 2_000, "records flowing", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }

        TimeSpan stopped;
        GatewayStatus end;
        using (new BusyCores())
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await gateway.DisposeAsync();
            stopped = clock.Elapsed;
            end = gateway.Status();
        }
        output.WriteLine($"stop of {Keys * PerKey} registrations on {Keys} sessions: {stopped.TotalSeconds:0.0} s; " +
                         $"received {end.Received}, confirmed {end.Confirmed}");

        // One after another the releases alone take registrations × pacing (24 s here; 540 s at the whole market's 5,400).
        var oneAfterAnother = client.SubscribePacing * (Keys * PerKey);
        Assert.True(stopped < oneAfterAnother / 2, $"the stop took {stopped.TotalSeconds:0.0} s; releasing one after another takes at least " +
                                                   $"{oneAfterAnother.TotalSeconds:0} s");
        Assert.Equal(end.Received, end.Confirmed); // and it published everything it received
    }
}
