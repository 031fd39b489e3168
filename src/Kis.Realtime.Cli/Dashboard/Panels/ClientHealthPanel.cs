using System.Diagnostics.Metrics;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// Health of a direct KIS session (the built-in simulator, KIS or another server): client state and its history, the
/// loss counters, delivery latency (from the client's <c>kis.realtime.delivery.duration</c> histogram, read through a
/// <see cref="MeterListener"/> on this client's own meters only) and records per second.
/// </summary>
internal sealed class ClientHealthPanel : HealthPanel
{
    private readonly KisRealtimeClient _client;
    private readonly ClientMeterFactory _meters;
    private readonly MeterListener _listener = new();
    private readonly LatencyWindow _latency = new();
    private long _lastRecords;                                  // SampleSource only
    private KisRealtimeStatistics _stats = new();               // under Gate
    private double _recordsPerSecond;                           // under Gate
    private (double P50, double P99, long Count)? _latencyFigures; // under Gate

    public ClientHealthPanel(KisRealtimeClient client, ClientMeterFactory meters, TimeProvider time) : base(time)
    {
        _client = client;
        _meters = meters;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this client's histogram: tests run several clients in one process, each with its own meter.
            if (instrument.Name == "kis.realtime.delivery.duration" && _meters.Owns(instrument.Meter))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) => _latency.Record(seconds));
        _listener.Start();
        _client.StateChanged += OnStateChanged;
    }

    private void OnStateChanged(object? sender, KisStateChangedEventArgs e) =>
        AddHistory($"session {e.SessionIndex}", e.Previous.ToString(), e.Current.ToString(), e.Reason ?? "");

    protected override void SampleSource(double seconds)
    {
        var stats = _client.Statistics;
        var latency = _latency.TakePercentiles();
        lock (Gate)
        {
            _recordsPerSecond = (stats.RecordsReceived - _lastRecords) / seconds;
            _stats = stats;
            if (latency is not null) _latencyFigures = latency;
        }
        _lastRecords = stats.RecordsReceived;
    }

    protected override string State => _client.State.ToString();

    protected override void WriteFigures(FigureWriter f)
    {
        var s = _stats;
        f.Add("state", $"{_client.State} (sessions: {string.Join(", ", _client.SessionStates)})");
        f.Add("records/s", Number(_recordsPerSecond));
        f.Count("records", s.RecordsReceived);
        f.Count("delivered", s.RecordsDelivered);
        f.Count("reconnects", s.Reconnects, alertIfAny: true);
        f.Count("dropped", s.Dropped, alertIfAny: true);
        f.Add("unrouted", Number(s.RecordsUnrouted, 0) + (s.UnroutedByTr.Count > 0
            ? $" ({string.Join(", ", s.UnroutedByTr.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"))})" : ""),
                s.RecordsUnrouted > 0);
        f.Count("decode errors", s.DecodeErrors, alertIfAny: true);
        WriteGaps(f, s);
        f.Add("latency p50", Milliseconds(_latencyFigures?.P50));
        f.Add("latency p99", Milliseconds(_latencyFigures?.P99));
        f.Count("registrations", s.Registrations);
        f.Count("slow consumers", s.SlowConsumers, alertIfAny: true);
        f.Count("resubscribe refusals", s.ResubscribeRefusals, alertIfAny: true);
        f.Count("PINGPONGs", s.HeartbeatsAnswered);
    }

    public override void Dispose()
    {
        _client.StateChanged -= OnStateChanged;
        _listener.Dispose();
    }
}
