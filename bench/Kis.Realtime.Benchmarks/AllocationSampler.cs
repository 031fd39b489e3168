using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Which types a piece of code allocates, from the runtime's own sampling (GCAllocationTick: one event about every
/// 100 KB allocated, naming the type that crossed the mark), in process and without a profiler. A sampled estimate:
/// a type's share of the events is its share of the bytes, give or take the sampling.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private volatile bool _on;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0
            ? Convert.ToInt64(e.Payload[a], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    public void Start() => _on = true;

    public void Stop() => _on = false;

    /// <summary>The <paramref name="top"/> types by sampled bytes, with their share.</summary>
    public IEnumerable<string> Report(int top)
    {
        var total = Math.Max(1, _bytes.Values.Sum());
        return _bytes.OrderByDescending(p => p.Value).Take(top)
            .Select(p => FormattableString.Invariant($"{100.0 * p.Value / total,6:F1} %  {p.Value / 1e6,8:F1} MB  {p.Key}"));
    }
}
