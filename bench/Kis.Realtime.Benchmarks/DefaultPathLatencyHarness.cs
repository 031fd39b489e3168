using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>latency-default [seconds] [records/s]</c>: p50/p99/p99.9 of receive→delivery (the client's
/// <c>kis.realtime.delivery.duration</c>) for one busy key at a steady rate with the client's DEFAULT options (delivery
/// thread, DropOldest, default capacity), beside its yardstick in the same run: the same with
/// <see cref="KisRealtimeOptions.InlineDelivery"/> (no hand-off), and with <c>DeliveryThreads = 0</c> (the thread pool).
/// Alternating rounds, so a machine's drift shows in all.
/// </summary>
public static class DefaultPathLatencyHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 && double.TryParse(args[1], out var s) ? s : 10;
        var rate = args.Length > 2 && double.TryParse(args[2], out var r) ? r : 5_000;
        Console.WriteLine(
            $"one key (H0UPCNT0 0001), {rate:N0} records/s, {seconds:0} s a round; the client's default options vs InlineDelivery vs DeliveryThreads 0");
        for (var round = 0; round < 2; round++)
        {
            await RoundAsync("default options  ", o => o, rate, seconds);
            await RoundAsync("InlineDelivery   ", o => o with { InlineDelivery = true }, rate, seconds);
            await RoundAsync("DeliveryThreads 0", o => o with { DeliveryThreads = 0 }, rate, seconds); // the thread pool
        }
        return 0;
    }

    private static async Task RoundAsync(string name, Func<KisRealtimeOptions, KisRealtimeOptions> tune, double rate, double seconds)
    {
        var samples = new List<double>(1 << 20);
        var recording = false;
        var samplesGate = new Lock();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KisRealtimeClient.MeterName && instrument.Name == "kis.realtime.delivery.duration") l.EnableMeasurementEvents(
                instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            if (!Volatile.Read(ref recording)) return;
            lock (samplesGate) samples.Add(value);
        });
        listener.Start();

        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(rate) });
        // Only what reaching the simulator needs; everything else as a new user gets it.
        var options = tune(KisRealtimeOptions.Default with
        {
            Credentials = [new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret)],
            WebSocketUrl = sim.WebSocketUrl,
            RestBaseUrl = sim.RestBaseUrl,
        });
        await using var client = new KisRealtimeClient(options);
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        var warmupEnd = Stopwatch.GetTimestamp() + 2 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < warmupEnd) await ticks.MoveNextAsync();

        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        Volatile.Write(ref recording, true);
        long count = 0;
        decimal sum = 0;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(Stopwatch.Frequency * seconds);
        while (Stopwatch.GetTimestamp() < end)
        {
            await ticks.MoveNextAsync();
            sum += ticks.Current.Value;
            count++;
        }
        Volatile.Write(ref recording, false);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        double[] sorted;
        lock (samplesGate) sorted = [.. samples.Order()];
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))] * 1e6;
        var stats = client.Statistics;
        Console.WriteLine($"{name}: {count / elapsed:N0} records/s, {stats.RecordsReceived / Math.Max(1, stats.FramesReceived)} records/frame, " +
                          $"p50 {P(0.50):0} µs, p99 {P(0.99):0} µs, p99.9 {P(0.999):0} µs, max {P(1):0} µs ({sorted.Length:N0} samples), " +
                          $"CPU {cpu / elapsed * 100:0} % of a core (simulator included), dropped {stats.Dropped} ({sum != 0})");
    }
}
