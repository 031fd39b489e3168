using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.WebSockets;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Flat-out simulator throughput to one local client over a real WebSocket (127.0.0.1). The client only counts records
/// from the frame headers, so the number measures the simulator's generate-and-send path (plus the socket).
/// Target: ≥ 300,000 records/s. Time per operation = time per record; records/s = 1 s ÷ that. With
/// <see cref="Sessions"/> = 2 a second session (another app key) subscribes to the same instrument and is drained beside
/// the measured one: every session gets every record (one tape per instrument, issue 55), and a frame is encoded once
/// for both, so the measured session's rate shows what fan-out costs.
/// Run: dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter *SimulatorThroughput*
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class SimulatorThroughputBenchmarks
{
    private const int RecordsPerInvoke = 300_000;

    private KisSimulator _sim = null!;
    private ClientWebSocket _ws = null!;
    private readonly byte[] _buffer = new byte[1 << 20];

    /// <summary>The TR streamed (index ticks are the common case; bonds carry Korean text).</summary>
    [Params("H0UPCNT0", "H0BJCNT0")]
    public string TrId { get; set; } = "H0UPCNT0";

    /// <summary>Sessions subscribed to the instrument (the first is measured, the others drained).</summary>
    [Params(1, 2)]
    public int Sessions { get; set; } = 1;

    private const string SecondKey = "PSsimBenchSecondAppKey0000000000000";
    private ClientWebSocket? _second;
    private Task? _drain;
    private readonly CancellationTokenSource _stop = new();

    [GlobalSetup]
    public async Task Setup()
    {
        _sim = await KisSimulator.StartAsync(SimulatorOptions.Default with
        {
            Pace = MarketPace.FlatOut,
            MaxRecordsPerFrame = 100,
            Credentials = [.. SimulatorOptions.Default.Credentials, new SimulatorCredential(SecondKey, "bench-second-secret", "simuser02")],
        });
        _ws = await SubscribeAsync(await _sim.IssueApprovalKeyAsync());
        if (Sessions < 2) return;
        _second = await SubscribeAsync(await _sim.IssueApprovalKeyAsync(SecondKey, "bench-second-secret"));
        _drain = Task.Run(async () =>
        {
            var buffer = new byte[1 << 20];
            while (!_stop.IsCancellationRequested) await _second.ReceiveAsync(buffer.AsMemory(), _stop.Token);
        });
    }

    private async Task<ClientWebSocket> SubscribeAsync(string approvalKey)
    {
        var ws = new ClientWebSocket();
        ws.Options.KeepAliveInterval = TimeSpan.Zero;
        await ws.ConnectAsync(_sim.WebSocketUrl, CancellationToken.None);
        var trKey = TrId == "H0BJCNT0" ? "KR103502GD31" : "0001";
        await ws.SendAsync(SubscriptionRequest.ToBytes(approvalKey, CustomerType.Personal, RequestType.Subscribe, TrId, trKey),
            WebSocketMessageType.Text, true, CancellationToken.None);
        return ws;
    }

    [Benchmark(OperationsPerInvoke = RecordsPerInvoke)]
    public async Task<int> ReceiveRecordsFlatOut()
    {
        var records = 0;
        while (records < RecordsPerInvoke)
        {
            var offset = 0;
            ValueWebSocketReceiveResult r;
            do
            {
                r = await _ws.ReceiveAsync(_buffer.AsMemory(offset), CancellationToken.None);
                offset += r.Count;
            } while (!r.EndOfMessage);
            if (offset > FrameWriter.HeaderLength && _buffer[0] == (byte)'0')
                records += (_buffer[11] - '0') * 100 + (_buffer[12] - '0') * 10 + (_buffer[13] - '0');
        }
        return records;
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _stop.CancelAsync();
        _ws.Abort();
        _ws.Dispose();
        _second?.Abort();
        _second?.Dispose();
        try
        {
            if (_drain is not null) await _drain;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The drain ends with its socket.
        }
        await _sim.DisposeAsync();
    }
}
