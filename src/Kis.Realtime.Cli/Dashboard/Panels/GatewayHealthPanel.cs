using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// Health of a dashboard that reads from a <c>kisrt gateway</c> (<see cref="KisGatewayClient"/>): this consumer's
/// broker link and counters, the latency from the gateway's receipt of each record (its <c>received_at</c> header)
/// to this page's panels, and the gateway's own figures (its KIS sessions, buffer, records it had to drop), asked
/// for every <see cref="StatusEvery"/> over request/reply. KIS's reconnects, unrouted records and PINGPONGs are the
/// gateway's, not this consumer's: the page shows the gateway's session states instead.
/// </summary>
internal sealed class GatewayHealthPanel(KisGatewayClient client, TimeProvider time) : HealthPanel(time), IRecordObserver
{
    /// <summary>How often the gateway is asked for its status.</summary>
    public static readonly TimeSpan StatusEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(5);

    private readonly LatencyWindow _latency = new();
    private long _decodeErrors;                                    // interlocked
    private long _lastRecords;                                     // SampleSource only
    private KisConnectionState _lastBrokerState = KisConnectionState.Closed; // SampleSource only
    private KisRealtimeStatistics _stats = new();                  // under Gate
    private long _duplicates;                                      // under Gate
    private double _recordsPerSecond;                              // under Gate
    private (double P50, double P99, long Count)? _latencyFigures; // under Gate
    private KisConnectionState _brokerState = KisConnectionState.Closed; // under Gate
    private GatewayStatus? _status;                                // under Gate
    private string? _statusError;                                  // under Gate: why the last status request failed

    /// <summary>A record delivered to a panel: latency from the gateway's receipt (same clock on one machine; across machines, their offset too).</summary>
    public void Delivered(KisRecord record) => _latency.Record(Math.Max(0, (Time.GetUtcNow() - record.ReceivedAt).TotalSeconds));

    public void DecodeFailed(KisRecord record) => Interlocked.Increment(ref _decodeErrors);

    /// <summary>Asks the gateway for its status every <see cref="StatusEvery"/> until <paramref name="stop"/>.</summary>
    public async Task PollGatewayAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(StatusEvery, Time);
        try
        {
            do
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(StatusTimeout);
                GatewayStatus? status = null;
                string? error = null;
                try
                {
                    status = await client.GetStatusAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    error = $"no answer within {StatusTimeout.TotalSeconds:0} s";
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Whatever it is (a lost broker, an unreadable reply, an I/O error), the panel shows it and asks again:
                    // a poll that ended here would leave the badge on its last state.
                    error = e.Message;
                }
                Observe(status, error);
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private void Observe(GatewayStatus? status, string? error)
    {
        GatewayStatus? previous;
        string? previousError;
        lock (Gate)
        {
            previous = _status;
            previousError = _statusError;
            if (status is not null) _status = status;
            _statusError = error;
        }
        if (error is not null && previousError is null)
            AddHistory("gateway", "answering", "not answering", error);
        else if (error is null && previousError is not null)
            AddHistory("gateway", "not answering", "answering", "");
        if (status is null) return;
        if (previous is not null && previous.Run != status.Run)
            AddHistory("gateway", $"run {previous.Run}", $"run {status.Run}", "the gateway restarted");
        foreach (var session in status.Sessions)
        {
            var before = previous?.Run == status.Run ? previous.Sessions.FirstOrDefault(s => s.Index == session.Index)?.State : null;
            if (before != session.State)
                AddHistory($"gateway session {session.Index}", before?.ToString() ?? "", session.State.ToString(), "");
        }
    }

    protected override void SampleSource(double seconds)
    {
        var stats = client.Statistics;
        var broker = client.State;
        var latency = _latency.TakePercentiles();
        if (broker != _lastBrokerState) AddHistory("broker", _lastBrokerState.ToString(), broker.ToString(), "");
        _lastBrokerState = broker;
        lock (Gate)
        {
            _recordsPerSecond = (stats.RecordsReceived - _lastRecords) / seconds;
            _stats = stats;
            _duplicates = client.DuplicatesDropped;
            _brokerState = broker;
            if (latency is not null) _latencyFigures = latency;
        }
        _lastRecords = stats.RecordsReceived;
    }

    /// <summary>The broker link first; then whether the gateway answers; then the worst of its KIS sessions.</summary>
    protected override string State =>
        _brokerState != KisConnectionState.Connected ? _brokerState.ToString()
        : _statusError is not null ? "Unreachable"
        : _status is null ? KisConnectionState.Connecting.ToString()
        : _status.Sessions.Count == 0 ? KisConnectionState.Connected.ToString()
        : _status.Sessions.Select(s => s.State).OrderBy(Badness).Last().ToString();

    private static int Badness(KisConnectionState state) => state switch
    {
        KisConnectionState.Connected => 0, KisConnectionState.Connecting => 1, KisConnectionState.Reconnecting => 2, _ => 3,
    };

    protected override void WriteFigures(FigureWriter f)
    {
        var s = _stats;
        var endpoint = client.Options.Endpoint;
        f.Add("source", $"gateway {endpoint.Namespace} at {endpoint.DisplayUri}", wide: true);
        var g = _status;
        f.Add("gateway", _statusError is not null ? $"not answering: {_statusError}"
            : g is null ? "asking…"
            : $"run {g.Run}, KIS {string.Join(", ", g.Sessions.Select(x => x.State))}, broker {(g.BrokerConnected ? "connected" : "DISCONNECTED")}",
            _statusError is not null || g is { BrokerConnected: false }, wide: true);
        if (g is not null)
        {
            f.Add("gateway buffer", $"{Number(g.BufferDepth, 0)} of {Number(g.BufferCapacity, 0)}, {Number(g.ConfirmsOutstanding, 0)} unconfirmed; " +
                                    $"{Number(g.PublishRate, 1)} records/s; {g.Registrations.Count} registrations, {g.Consumers} consumers", wide: true);
        }
        f.Add("broker link", _brokerState.ToString(), _brokerState != KisConnectionState.Connected);
        f.Add("records/s", Number(_recordsPerSecond));
        f.Count("records", s.RecordsReceived);
        f.Count("delivered", s.RecordsDelivered);
        f.Count("dropped at gateway", g?.Overflowed ?? 0, alertIfAny: true);
        f.Count("repeats dropped", _duplicates);
        f.Count("decode errors", s.DecodeErrors + Interlocked.Read(ref _decodeErrors), alertIfAny: true);
        WriteGaps(f, s);
        f.Add("latency p50", Milliseconds(_latencyFigures?.P50));
        f.Add("latency p99", Milliseconds(_latencyFigures?.P99));
        f.Count("registrations", s.Registrations);
    }
}

/// <summary>Told of each raw record a subscription delivers when the dashboard decodes records itself (through a gateway).</summary>
internal interface IRecordObserver
{
    void Delivered(KisRecord record);

    void DecodeFailed(KisRecord record);
}
