using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Kis.Realtime.Internal;
using Kis.Realtime.PostgreSql.Internal;
using Npgsql;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>kisrt record --postgres</c>'s writer against the real PostgreSQL of <c>scripts/services.sh</c>
/// (<c>KISRT_BENCH_POSTGRES</c> to point elsewhere): 1,000 H0UPCNT0 frames of 100 records each, decoded and written with
/// binary COPY (1,000 raw rows + 100,000 typed rows, one transaction per 5,000 messages). The figure is time per
/// record: records/s = 1e9 / ns. Run: <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*PostgresCopy*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class PostgresCopyBenchmarks
{
    private const int Frames = 1_000;
    private const int RecordsPerFrame = 100;
    private const string IndexRecord = "0001^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^" +
        "0.70^0^670^72^177^0^0^0^19";

    private readonly string _connectionString = Environment.GetEnvironmentVariable("KISRT_BENCH_POSTGRES") is { Length: > 0 } configured
        ? configured : "Host=127.0.0.1;Port=5432;Username=kisrt;Password=kisrt;Database=kisrt";
    private readonly string _schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
    private RawMessage[] _messages = null!;
    private RawMessage[] _gatewayRecords = null!;

    [GlobalSetup]
    public void Setup()
    {
        var frame = Encoding.UTF8.GetBytes($"0|H0UPCNT0|{RecordsPerFrame:D3}|" + string.Join("^", Enumerable.Repeat(IndexRecord, RecordsPerFrame)));
        var at = DateTimeOffset.UtcNow;
        _messages = Enumerable.Range(0, Frames).Select(i => new RawMessage(at.AddTicks(i), 0, frame)).ToArray();
        // `kisrt gateway --postgres`: one record per message (the gateway hands over records), so a raw row per typed row.
        var one = Encoding.UTF8.GetBytes("0|H0UPCNT0|001|" + IndexRecord);
        _gatewayRecords = Enumerable.Range(0, Frames * RecordsPerFrame).Select(i => new RawMessage(at.AddTicks(i), 0, one)).ToArray();
    }

    [IterationSetup]
    public void EmptyTables()
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Schema on first use, decode, binary COPY of raw and typed rows, commit.</summary>
    [Benchmark(OperationsPerInvoke = Frames * RecordsPerFrame)]
    public async Task<long> Copy_IndexTick_records()
    {
        var recorder = new PostgresRecorder(_connectionString, _schema, long.MaxValue);
        foreach (var message in _messages) recorder.Queue.Enqueue(message);
        recorder.Queue.Complete();
        await recorder.WriteAsync(CancellationToken.None);
        if (recorder.CommittedRecords != Frames * RecordsPerFrame) throw new InvalidOperationException($"committed {recorder.CommittedRecords}");
        return recorder.CommittedRecords;
    }

    /// <summary>As the gateway's sink writes: 100,000 one-record messages, so 100,000 raw rows and 100,000 typed rows.</summary>
    [Benchmark(OperationsPerInvoke = Frames * RecordsPerFrame)]
    public async Task<long> Copy_gateway_records()
    {
        var recorder = new PostgresRecorder(_connectionString, _schema, long.MaxValue);
        foreach (var message in _gatewayRecords) recorder.Queue.Enqueue(message);
        recorder.Queue.Complete();
        await recorder.WriteAsync(CancellationToken.None);
        if (recorder.CommittedRecords != Frames * RecordsPerFrame) throw new InvalidOperationException($"committed {recorder.CommittedRecords}");
        return recorder.CommittedRecords;
    }

    /// <summary>The client-side share without the database: decode and validate into the batch's rows.</summary>
    [Benchmark(OperationsPerInvoke = Frames * RecordsPerFrame)]
    public long Prepare_batch_only()
    {
        var batch = new PostgresBatch();
        var decoders = new Dictionary<int, Kis.Realtime.Protocol.FrameDecoder>();
        long errors = 0;
        for (var i = 0; i < _messages.Length; i++) batch.Add(i + 1, new QueuedMessage(_messages[i]), decoders, ref errors);
        foreach (var d in decoders.Values) d.Dispose();
        return batch.RecordCount + errors;
    }

    [GlobalCleanup]
    public void Cleanup() => EmptyTables();
}
