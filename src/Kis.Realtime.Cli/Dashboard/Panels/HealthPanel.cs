using System.Diagnostics.Metrics;
using System.Text.Json;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// The connection's health: client state and its history, the loss counters, delivery latency (from the client's
/// <c>kis.realtime.delivery.duration</c> histogram, read through a <see cref="MeterListener"/> on this client's own
/// meters only), records per second, and this process's CPU and memory. Sampled by the publisher once a second.
/// </summary>
internal sealed class HealthPanel : Panel, IDisposable
{
    private const int HistoryCapacity = 50;
    private readonly KisRealtimeClient _client;
    private readonly ClientMeterFactory _meters;
    private readonly MeterListener _listener = new();
    private readonly LatencyWindow _latency = new();
    private readonly Queue<string[]> _history = new();
    private readonly TimeProvider _time;
    private KisRealtimeStatistics _stats = new();
    private long _lastRecords;
    private TimeSpan _lastCpu;
    private long _lastSampleTicks;
    private double _recordsPerSecond, _cpuPercent;
    private (double P50, double P99, long Count)? _latencyFigures;
    private bool _sampled;

    public HealthPanel(KisRealtimeClient client, ClientMeterFactory meters, TimeProvider time)
    {
        _client = client;
        _meters = meters;
        _time = time;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this client's histogram: tests run several clients in one process, each with its own meter.
            if (instrument.Name == "kis.realtime.delivery.duration" && _meters.Owns(instrument.Meter))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) => _latency.Record(seconds));
        _listener.Start();
        _client.StateChanged += OnStateChanged;
        _lastSampleTicks = _time.GetTimestamp();
        _lastCpu = Environment.CpuUsage.TotalTime;
    }

    public override string Name => "health";

    protected override bool HasChanges => _sampled;

    private void OnStateChanged(object? sender, KisStateChangedEventArgs e)
    {
        lock (Gate)
        {
            if (_history.Count == HistoryCapacity) _history.Dequeue();
            _history.Enqueue([_time.GetUtcNow().ToString("HH:mm:ss.fff"), e.SessionIndex.ToString(), e.Previous.ToString(), e.Current.ToString(), e.Reason ?? ""]);
            _sampled = true;
        }
    }

    /// <summary>Reads the counters, the latency of the deliveries since the last sample, CPU and rates.</summary>
    public void Sample()
    {
        var stats = _client.Statistics;
        var now = _time.GetTimestamp();
        var cpu = Environment.CpuUsage.TotalTime;
        var latency = _latency.TakePercentiles();
        lock (Gate)
        {
            var seconds = _time.GetElapsedTime(_lastSampleTicks, now).TotalSeconds;
            if (seconds > 0)
            {
                _recordsPerSecond = (stats.RecordsReceived - _lastRecords) / seconds;
                _cpuPercent = (cpu - _lastCpu).TotalSeconds / seconds * 100; // % of one core
            }
            _stats = stats;
            _lastRecords = stats.RecordsReceived;
            _lastCpu = cpu;
            _lastSampleTicks = now;
            if (latency is not null) _latencyFigures = latency;
            _sampled = true;
        }
    }

    protected override void WriteDelta(Utf8JsonWriter json)
    {
        WriteSnapshot(json);
        _sampled = false;
    }

    protected override void WriteSnapshot(Utf8JsonWriter json)
    {
        json.WriteString("state", _client.State.ToString());
        json.WriteStartArray("sessions");
        foreach (var state in _client.SessionStates) json.WriteStringValue(state.ToString());
        json.WriteEndArray();
        json.WriteStartArray("history");
        foreach (var row in _history)
        {
            json.WriteStartArray();
            foreach (var cell in row) json.WriteStringValue(cell);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        var s = _stats;
        json.WriteStartObject("counters");
        json.WriteNumber("records", s.RecordsReceived);
        json.WriteNumber("recordsPerSecond", Math.Round(_recordsPerSecond, 1));
        json.WriteNumber("delivered", s.RecordsDelivered);
        json.WriteNumber("dropped", s.Dropped);
        json.WriteNumber("unrouted", s.RecordsUnrouted);
        json.WriteNumber("decodeErrors", s.DecodeErrors);
        json.WriteNumber("reconnects", s.Reconnects);
        json.WriteNumber("connectAttempts", s.ConnectAttempts);
        json.WriteNumber("slowConsumers", s.SlowConsumers);
        json.WriteNumber("resubscribeRefusals", s.ResubscribeRefusals);
        json.WriteNumber("registrations", s.Registrations);
        json.WriteNumber("heartbeats", s.HeartbeatsAnswered);
        json.WriteNumber("bytes", s.BytesReceived);
        json.WriteEndObject();
        json.WriteStartObject("unroutedByTr");
        foreach (var (tr, n) in s.UnroutedByTr) json.WriteNumber(tr, n);
        json.WriteEndObject();
        json.WriteStartObject("latency");
        if (_latencyFigures is { } l)
        {
            json.WriteNumber("p50Ms", Math.Round(l.P50 * 1000, 3));
            json.WriteNumber("p99Ms", Math.Round(l.P99 * 1000, 3));
            json.WriteNumber("samples", l.Count);
        }
        json.WriteEndObject();
        var gc = GC.GetGCMemoryInfo();
        json.WriteStartObject("process");
        json.WriteNumber("cpuPercent", Math.Round(_cpuPercent, 1));
        json.WriteNumber("workingSetMb", Math.Round(Environment.WorkingSet / 1048576.0, 1));
        json.WriteNumber("gcHeapMb", Math.Round(gc.HeapSizeBytes / 1048576.0, 1));
        json.WriteNumber("threads", ThreadPool.ThreadCount);
        json.WriteEndObject();
    }

    public void Dispose()
    {
        _client.StateChanged -= OnStateChanged;
        _listener.Dispose();
    }
}
