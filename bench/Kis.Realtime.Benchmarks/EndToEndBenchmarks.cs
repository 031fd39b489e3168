using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Simulator (in-process, flat out) → WebSocket → client → consumer loop. BenchmarkDotNet measures the time to
/// deliver a fixed number of typed records; <see cref="EndToEndHarness"/> is the quick measured version
/// (<c>dotnet run -c Release -- e2e</c>) that also reports p50/p99 receive-to-delivery latency at a steady rate.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessShortConfig))]
public class EndToEndBenchmarks
{
    private const int RecordsPerInvoke = 200_000;
    private KisSimulator _sim = null!;
    private KisRealtimeClient _client = null!;
    private IAsyncEnumerator<IndexTick> _ticks = null!;

    [GlobalSetup]
    public void Setup()
    {
        _sim = KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = 100 }).GetAwaiter().GetResult();
        _client = new KisRealtimeClient(EndToEndHarness.ClientOptions(_sim) with { FullMode = KisFullMode.Wait });
        _ticks = _client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
    }

    [Benchmark(OperationsPerInvoke = RecordsPerInvoke)]
    public async Task<decimal> DeliverIndexTicks()
    {
        decimal sum = 0;
        for (var i = 0; i < RecordsPerInvoke; i++)
        {
            await _ticks.MoveNextAsync();
            sum += _ticks.Current.Value;
        }
        return sum;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ticks.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _sim.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

/// <summary>
/// In-process (the simulator and client share the process anyway; no separate build of a generated project) and
/// short: a few iterations of 200,000 records each.
/// </summary>
public sealed class InProcessShortConfig : ManualConfig
{
    public InProcessShortConfig() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
        .WithStrategy(RunStrategy.Monitoring).WithWarmupCount(2).WithIterationCount(8));
}

/// <summary>The measured end-to-end harness: throughput flat out, and latency percentiles at a steady rate.</summary>
public static class EndToEndHarness
{
    public static KisRealtimeOptions ClientOptions(KisSimulator sim) => KisRealtimeOptions.Default with
    {
        Credentials = [new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret)],
        WebSocketUrl = sim.WebSocketUrl,
        RestBaseUrl = sim.RestBaseUrl,
        SubscribePacing = TimeSpan.FromMilliseconds(1),
        SubscriptionCapacity = 100_000,
        LivenessTimeout = null,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 && double.TryParse(args[1], out var s) ? s : 3;
        if (args.Length > 2 && args[2] == "raw") { await RawThroughputAsync(seconds); return 0; }
        if (args.Length > 2 && args[2] == "decode") { DecodeOnly(); return 0; }
        await ThroughputAsync(seconds);
        await LatencyAsync(50_000, seconds);
        return 0;
    }

    /// <summary>Flat out: how many typed records per second reach the consumer (lossless Wait mode: nothing dropped).</summary>
    public static async Task ThroughputAsync(double seconds)
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = 100 });
        await using var client = new KisRealtimeClient(ClientOptions(sim) with { FullMode = KisFullMode.Wait });
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        var warmupEnd = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * 1.0);
        while (Stopwatch.GetTimestamp() < warmupEnd) await ticks.MoveNextAsync();

        long count = 0;
        decimal sum = 0;
        var gc0 = GC.CollectionCount(0);
        var alloc0 = GC.GetTotalAllocatedBytes();
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(Stopwatch.Frequency * seconds);
        while (true)
        {
            await ticks.MoveNextAsync();
            sum += ticks.Current.Value;
            if ((++count & 1023) == 0 && Stopwatch.GetTimestamp() >= end) break;
        }
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes() - alloc0;
        var stats = client.Statistics;
        Console.WriteLine($"throughput: {count / elapsed:N0} records/s delivered ({count:N0} in {elapsed:0.00} s), " +
                          $"{stats.RecordsReceived / Math.Max(1, stats.FramesReceived)} records/frame, " +
                          $"{allocated / (double)count:0.0} B allocated per record (process-wide, simulator included), gen0 GCs " +
                          $"{GC.CollectionCount(0) - gc0}, " +
                          $"dropped {stats.Dropped}, decode errors {stats.DecodeErrors}");
    }

    /// <summary>Typed decoding alone, for comparison.</summary>
    public static void DecodeOnly()
    {
        var record = ("0001^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^"u8
            + "0^670^72^177^0^0^0^19"u8).ToArray();
        var tr = Kis.Realtime.KisTrs.IndexTicks;
        decimal sum = 0;
        for (var round = 0; round < 2; round++)
        {
            var start = Stopwatch.GetTimestamp();
            const int n = 2_000_000;
            for (var i = 0; i < n; i++)
            {
                Kis.Realtime.IndexTick.TryDecode(tr, record, out var t, out _);
                sum += t.Value;
            }
            Console.WriteLine($"IndexTick decode: {Stopwatch.GetElapsedTime(start).TotalNanoseconds / n:0} ns/record ({sum})");
        }
    }

    /// <summary>Flat out, raw records (no typed decode): separates decoding cost from transport and routing.</summary>
    public static async Task RawThroughputAsync(double seconds)
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = 100 });
        await using var client = new KisRealtimeClient(ClientOptions(sim) with { FullMode = KisFullMode.Wait });
        await using var records = client.SubscribeRecordsAsync(Kis.Realtime.KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        var warmupEnd = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < warmupEnd) await records.MoveNextAsync();
        long count = 0;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(Stopwatch.Frequency * seconds);
        while (true)
        {
            await records.MoveNextAsync();
            if ((++count & 1023) == 0 && Stopwatch.GetTimestamp() >= end) break;
        }
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine($"raw throughput: {count / elapsed:N0} records/s");
    }

    /// <summary>Steady <paramref name="rate"/> records/s: p50/p99 of receive-to-delivery latency (the client's histogram).</summary>
    public static async Task LatencyAsync(double rate, double seconds)
    {
        var samples = new List<double>(1 << 20);
        var recording = false;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Kis.Realtime" && instrument.Name == "kis.realtime.delivery.duration") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            if (Volatile.Read(ref recording)) samples.Add(value); // single consumer thread
        });
        listener.Start();

        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(rate), MaxRecordsPerFrame = 100 });
        await using var client = new KisRealtimeClient(ClientOptions(sim) with { FullMode = KisFullMode.Wait });
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        var warmupEnd = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < warmupEnd) await ticks.MoveNextAsync();

        Volatile.Write(ref recording, true);
        long count = 0;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(Stopwatch.Frequency * seconds);
        while (Stopwatch.GetTimestamp() < end)
        {
            await ticks.MoveNextAsync();
            count++;
        }
        Volatile.Write(ref recording, false);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        samples.Sort();
        double P(double q) => samples.Count == 0 ? double.NaN : samples[Math.Min(samples.Count - 1, (int)(q * samples.Count))];
        var stats = client.Statistics;
        Console.WriteLine($"latency at {rate:N0}/s target: {count / elapsed:N0} records/s actual, " +
            $"{stats.RecordsReceived / Math.Max(1, stats.FramesReceived)} records/frame, " +
                          $"receive-to-delivery p50 {P(0.50) * 1e6:0} µs, p99 {P(0.99) * 1e6:0} µs, p99.9 {P(0.999) * 1e6:0} µs, max {P(1) * 1e6:0} µs " +
                          $"({samples.Count:N0} samples)");
    }
}
