using System.Diagnostics;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Analysers;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Validators;
using Kis.Realtime.Formatting;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// What a session costs at a realistic rate: process CPU time per record while five subscriptions (the five seed TRs)
/// receive a fixed total rate, one record a frame, and every record is written as a JSON line (as <c>kisrt stream
/// --format jsonl</c> does, to a null stream). The simulator runs in a child process so its CPU is not counted. The
/// wall time BenchmarkDotNet reports is just the rate; the figure is the "CPU/record" column.
/// Run: <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*StreamCpu*'</c>
/// </summary>
[Config(typeof(CpuConfig))]
public class StreamCpuBenchmarks
{
    private const int SecondsPerInvoke = 2;
    private Process _simulator = null!;
    private KisRealtimeClient _client = null!;
    private CancellationTokenSource _stop = null!;
    private Task[] _pumps = [];
    private long _written, _target = long.MaxValue;
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Params(100, 1_250, 10_000)]
    public int RecordsPerSecond { get; set; }

    /// <summary>Where the consumers' loop bodies run: the client's delivery threads (the default), the thread pool
    /// (<c>DeliveryThreads = 0</c>) or the receive loop (<see cref="KisRealtimeOptions.InlineDelivery"/>).</summary>
    [Params(BodiesOn.DeliveryThreads, BodiesOn.ThreadPool, BodiesOn.ReceiveLoop)]
    public BodiesOn Delivery { get; set; }

    public enum BodiesOn { DeliveryThreads, ThreadPool, ReceiveLoop }

    private int RecordsPerInvoke => RecordsPerSecond * SecondsPerInvoke;

    [GlobalSetup]
    public void Setup()
    {
        var (ws, rest) = StartSimulatorProcess(RecordsPerSecond / 5.0);
        _client = new KisRealtimeClient(KisRealtimeOptions.Default with
        {
            Credentials = [new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret)],
            HtsId = SimulatorOptions.DefaultHtsId,
            WebSocketUrl = ws,
            RestBaseUrl = rest,
            LivenessTimeout = null,
            InlineDelivery = Delivery == BodiesOn.ReceiveLoop,
            DeliveryThreads = Delivery == BodiesOn.ThreadPool ? 0 : KisRealtimeOptions.Default.DeliveryThreads,
        });
        _stop = new CancellationTokenSource();
        var output = new BufferedStream(Stream.Null, 64 * 1024);
        var writeLock = new Lock();
        TrDefinition[] trs = [KisTrs.IndexTicks, KisTrs.BondTrades, KisTrs.ProgramTradesNxt, KisTrs.ProgramTradesUnified, KisTrs.FuturesOptionsNotices];
        string[] keys = ["0001", "KR103502GD31", "005930", "005930", SimulatorOptions.DefaultHtsId];
        _pumps = trs.Select((tr, i) => Task.Run(async () =>
        {
            using var json = new Utf8JsonWriter(Stream.Null, RecordJson.WriterOptions);
            try
            {
                await foreach (var r in _client.SubscribeRecordsAsync(tr, keys[i], _stop.Token))
                {
                    lock (writeLock)
                    {
                        json.Reset(output);
                        RecordJson.Write(json, r.Tr, r.Data.Span, r.TrKey, r.ReceivedAt);
                        json.Flush();
                        output.WriteByte((byte)'\n');
                    }
                    // One wake-up of the benchmark thread per invocation, not per record (that would be counted too).
                    if (Interlocked.Increment(ref _written) >= Volatile.Read(ref _target)) _reached.TrySetResult();
                }
            }
            catch (OperationCanceledException)
            {
            }
        })).ToArray();
    }

    /// <summary>Waits until the consumers have written <see cref="RecordsPerInvoke"/> more records.</summary>
    [Benchmark(OperationsPerInvoke = 1)]
    public async Task ReceiveAndWriteJson()
    {
        _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _target, Volatile.Read(ref _written) + RecordsPerInvoke);
        if (Volatile.Read(ref _written) >= Volatile.Read(ref _target)) return;
        await _reached.Task;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop.Cancel();
        Task.WhenAll(_pumps).Wait(TimeSpan.FromSeconds(10));
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _simulator.Kill();
        _simulator.WaitForExit();
    }

    private (Uri Ws, Uri RestBase) StartSimulatorProcess(double perSubscription)
    {
        var self = typeof(StreamCpuBenchmarks).Assembly.Location;
        _simulator = Process.Start(new ProcessStartInfo("dotnet", [self, "sim", perSubscription.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var ws = new Uri(_simulator.StandardOutput.ReadLine()!);
        var rest = new Uri(_simulator.StandardOutput.ReadLine()!);
        return (ws, rest);
    }

    /// <summary>The child process: a simulator at a fixed rate per subscription, printing its two URLs, until killed.</summary>
    public static async Task<int> RunSimulatorAsync(string[] args)
    {
        var rate = double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(rate), MaxRecordsPerFrame = 1 });
        Console.WriteLine(sim.WebSocketUrl);
        Console.WriteLine(sim.RestBaseUrl);
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    /// <summary>In-process (so the diagnoser sees this process), a few 2-second invocations per rate.</summary>
    private sealed class CpuConfig : ManualConfig
    {
        public CpuConfig()
        {
            AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
                .WithWarmupCount(1).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1));
            AddDiagnoser(new ProcessCpuDiagnoser(c => (int)c.Parameters[nameof(RecordsPerSecond)] * SecondsPerInvoke));
            AddColumnProvider(DefaultColumnProviders.Instance);
            AddLogger(ConsoleLogger.Default);
            AddExporter(MarkdownExporter.GitHub);
        }
    }

}

/// <summary>
/// Process CPU time (user + system) per record over the measured iterations, as a column: in microseconds, or in
/// nanoseconds for cheap operations (<paramref name="nanoseconds"/>).
/// </summary>
internal sealed class ProcessCpuDiagnoser(Func<BenchmarkCase, int> recordsPerInvoke, bool nanoseconds = false) : IDiagnoser
{
    private TimeSpan _start;
    private TimeSpan _spent;

    public IEnumerable<string> Ids => ["ProcessCpu"];
    public IEnumerable<IExporter> Exporters => [];
    public IEnumerable<IAnalyser> Analysers => [];
    public BenchmarkDotNet.Diagnosers.RunMode GetRunMode(BenchmarkCase benchmarkCase) => BenchmarkDotNet.Diagnosers.RunMode.NoOverhead;
    public bool RequiresBlockingAcknowledgments(BenchmarkCase benchmarkCase) => false;

    public void Handle(HostSignal signal, DiagnoserActionParameters parameters)
    {
        if (signal == HostSignal.BeforeActualRun) _start = Process.GetCurrentProcess().TotalProcessorTime;
        else if (signal == HostSignal.AfterActualRun) _spent = Process.GetCurrentProcess().TotalProcessorTime - _start;
    }

    public IEnumerable<Metric> ProcessResults(DiagnoserResults results)
    {
        var records = (double)results.TotalOperations * recordsPerInvoke(results.BenchmarkCase);
        yield return nanoseconds
            ? new Metric(CpuPerRecord.Nanoseconds, _spent.TotalNanoseconds / records)
            : new Metric(CpuPerRecord.Microseconds, _spent.TotalMicroseconds / records);
    }

    public void DisplayResults(ILogger logger)
    {
    }

    public IEnumerable<ValidationError> Validate(ValidationParameters validationParameters) => [];

    private sealed class CpuPerRecord(string displayName, string unit) : IMetricDescriptor
    {
        public static readonly CpuPerRecord Microseconds = new("CPU/record [us]", "us");
        public static readonly CpuPerRecord Nanoseconds = new("CPU/op [ns]", "ns");
        public string Id => "CpuPerRecord";
        public string DisplayName => displayName;
        public string Legend => "Process CPU time (user + system) per record received and written as JSON (CPU/op: per operation)";
        public string NumberFormat => "0.0";
        public UnitType UnitType => UnitType.Dimensionless;
        public string Unit => unit;
        public bool TheGreaterTheBetter => false;
        public int PriorityInCategory => 0;
        public bool GetIsAvailable(Metric metric) => true;
    }
}
