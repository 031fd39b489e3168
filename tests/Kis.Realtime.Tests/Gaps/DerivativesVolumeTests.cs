using System.Collections.Concurrent;
using System.Diagnostics;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Gaps;

/// <summary>
/// The simulator's generic trade TRs (futures, options, overseas stocks) keep KIS's rule acml_vol(n) = acml_vol(n−1) +
/// the trade's volume, so a client sees no gap where none was injected. (Before the fix acml_vol grew by its own random
/// steps: every futures trade looked like a gap.)
/// </summary>
public sealed class DerivativesVolumeTests
{
    [Fact]
    public async Task Futures_options_and_overseas_trades_add_their_volume_to_acml_vol_and_show_no_gap()
    {
        // A demo day that every one of these markets trades (a wall date on a NYSE holiday, e.g. Thanksgiving, has no US
        // records until the next demo day): Wednesday 2026-11-25 from now on.
        var wall = new WallClockFrom(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9)));
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default
            with { Pace = MarketPace.PerSecond(500), ClockSpeed = 600, Seed = 9, TimeProvider = wall });
        await using var client = new KisRealtimeClient(KisRealtimeOptions.Default with
        {
            Credentials = [new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret)],
            WebSocketUrl = sim.WebSocketUrl,
            RestBaseUrl = sim.RestBaseUrl,
            FullMode = KisFullMode.Wait,
        });
        var gaps = new ConcurrentQueue<VolumeGap>();
        client.GapDetected += gaps.Enqueue;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var futures = new List<FuturesTrade>();
        var options = new List<OptionsTrade>();
        var overseas = new List<OverseasStockTrade>();
        static async Task Take<T>(IAsyncEnumerable<T> trades, List<T> into)
        {
            await foreach (var t in trades)
            {
                into.Add(t);
                if (into.Count == 300) break;
            }
        }
        await Task.WhenAll(
            Task.Run(() => Take(client.SubscribeAsync<FuturesTrade>(KisTrs.H0IFCNT0, "101W12000", guard.Token), futures)),
            Task.Run(() => Take(client.SubscribeAsync<OptionsTrade>(KisTrs.H0IOCNT0, "201W12350", guard.Token), options)),
            Task.Run(() => Take(client.SubscribeAsync<OverseasStockTrade>(KisTrs.HDFSCNT0, "DNASAAPL", guard.Token), overseas)));

        // The simulator's records themselves, read with the typed views …
        Assert.All(Enumerable.Range(1, 299), i => Assert.Equal(futures[i - 1].CumulativeVolume + futures[i].Volume, futures[i].CumulativeVolume));
        Assert.All(Enumerable.Range(1, 299), i => Assert.Equal(options[i - 1].CumulativeVolume + options[i].Volume, options[i].CumulativeVolume));
        Assert.All(Enumerable.Range(1, 299), i => Assert.Equal(overseas[i - 1].CumulativeVolume + overseas[i].Volume, overseas[i].CumulativeVolume));
        // … and the client's detection on each of them.
        Assert.Equal(0, client.Statistics.Gaps);
        Assert.Equal(0, client.Statistics.Overlaps);
        Assert.Empty(gaps);
    }
}

/// <summary>The system's timestamps and timers, with a wall clock (<see cref="TimeProvider.GetUtcNow"/>) that starts at a chosen instant.</summary>
internal sealed class WallClockFrom(DateTimeOffset start) : TimeProvider
{
    private readonly long _started = Stopwatch.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => start.ToUniversalTime() + Stopwatch.GetElapsedTime(_started);
}
