using System.Globalization;
using System.Text.Json;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// The health panel: a state badge, named figures (formatted here, so a direct session and a gateway consumer can
/// show different ones on the same page), the state history, and this process's CPU and memory. Sampled by the
/// publisher once a second; what a figure means is the subclass's (<see cref="ClientHealthPanel"/>,
/// <see cref="GatewayHealthPanel"/>).
/// </summary>
internal abstract class HealthPanel : Panel, IDisposable
{
    private const int HistoryCapacity = 50;
    private readonly Queue<string[]> _history = new();
    private TimeSpan _lastCpu;           // Sample only (the publisher's loop)
    private long _lastSampleTicks;       // Sample only
    private double _cpuPercent;          // under Gate
    private bool _changed;               // under Gate

    protected HealthPanel(TimeProvider time)
    {
        Time = time;
        _lastSampleTicks = time.GetTimestamp();
        _lastCpu = Environment.CpuUsage.TotalTime;
    }

    protected TimeProvider Time { get; }

    public override string Name => "health";

    protected override bool HasChanges => _changed;

    /// <summary>Adds a row to the state history (time, what changed, from, to, why) and publishes it on the next round.</summary>
    protected void AddHistory(string source, string from, string to, string reason)
    {
        lock (Gate)
        {
            if (_history.Count == HistoryCapacity) _history.Dequeue();
            _history.Enqueue([Time.GetUtcNow().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture), source, from, to, reason]);
            _changed = true;
        }
    }

    /// <summary>Once a second: this process's CPU since the last sample, then the subclass's own reading.</summary>
    public void Sample()
    {
        var now = Time.GetTimestamp();
        var cpu = Environment.CpuUsage.TotalTime;
        var seconds = Time.GetElapsedTime(_lastSampleTicks, now).TotalSeconds;
        if (seconds <= 0) return;
        SampleSource(seconds);
        lock (Gate)
        {
            _cpuPercent = (cpu - _lastCpu).TotalSeconds / seconds * 100; // % of one core
            _changed = true;
        }
        _lastCpu = cpu;
        _lastSampleTicks = now;
    }

    /// <summary>Reads the source's counters (outside <see cref="Panel.Gate"/>) and stores them under it.</summary>
    protected abstract void SampleSource(double seconds);

    /// <summary>Under <see cref="Panel.Gate"/>: the badge (Connected, Reconnecting, Closed …).</summary>
    protected abstract string State { get; }

    /// <summary>Under <see cref="Panel.Gate"/>: the figures before the process's CPU and memory.</summary>
    protected abstract void WriteFigures(FigureWriter figures);

    protected override void WriteDelta(Utf8JsonWriter json)
    {
        WriteSnapshot(json);
        _changed = false;
    }

    protected override void WriteSnapshot(Utf8JsonWriter json)
    {
        json.WriteString("state", State);
        json.WriteStartArray("figures");
        var figures = new FigureWriter(json);
        WriteFigures(figures);
        var gc = GC.GetGCMemoryInfo();
        figures.Add("process CPU", $"{Number(_cpuPercent, 1)} % of a core");
        figures.Add("memory", $"{Number(Environment.WorkingSet / 1048576.0, 1)} MB (GC heap {Number(gc.HeapSizeBytes / 1048576.0, 1)} MB)");
        json.WriteEndArray();
        json.WriteStartArray("history");
        foreach (var row in _history)
        {
            json.WriteStartArray();
            foreach (var cell in row) json.WriteStringValue(cell);
            json.WriteEndArray();
        }
        json.WriteEndArray();
    }

    /// <summary>
    /// Gaps found from KIS's cumulative volume (trades that never arrived): the count and volume, and the largest
    /// windows on a line of their own.
    /// </summary>
    protected static void WriteGaps(FigureWriter f, KisRealtimeStatistics s)
    {
        f.Add("gaps", s.Gaps == 0 ? "0" : $"{Number(s.Gaps, 0)} (missing volume {Number(s.MissingVolume, 0)})", s.Gaps > 0);
        if (s.LargestGaps.Count > 0)
            f.Add("largest gaps", string.Join("; ", s.LargestGaps.Select(g =>
                $"{g.TrId} {g.Key} {Number(g.MissingVolume, 0)} {g.From:HH:mm:ss}–{g.To:HH:mm:ss}{(g.AcrossReconnect ? " (reconnect)" : "")}")), alert: true,
                    wide: true);
    }

    /// <summary>1,234.57: grouped, at most <paramref name="decimals"/> decimals, the same on every machine.</summary>
    public static string Number(double value, int decimals = 2) =>
        Math.Round(value, decimals).ToString(decimals == 0 ? "#,0" : "#,0." + new string('#', decimals), CultureInfo.InvariantCulture);

    /// <summary>"0.06 ms", or "–" when nothing was measured in the last second.</summary>
    protected static string Milliseconds(double? seconds) => seconds is { } s ? $"{Number(s * 1000, 3)} ms" : "–";

    /// <summary>Writes figures as [name, value, alert, wide]: alert marks a figure the user must look at, wide a long one that takes a whole line.</summary>
    protected readonly struct FigureWriter(Utf8JsonWriter json)
    {
        public void Add(string name, string value, bool alert = false, bool wide = false)
        {
            json.WriteStartArray();
            json.WriteStringValue(name);
            json.WriteStringValue(value);
            json.WriteBooleanValue(alert);
            json.WriteBooleanValue(wide);
            json.WriteEndArray();
        }

        public void Count(string name, long value, bool alertIfAny = false) => Add(name, Number(value, 0), alertIfAny && value > 0);
    }

    public virtual void Dispose()
    {
    }
}
