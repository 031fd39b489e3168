using System.Diagnostics.Metrics;

namespace Kis.Realtime.Session;

/// <summary>The library's OpenTelemetry-compatible instruments (meter "Kis.Realtime").</summary>
internal static class KisMetrics
{
    public const string MeterName = "Kis.Realtime";
    public static readonly Meter Meter = new(MeterName, typeof(KisMetrics).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> Frames = Meter.CreateCounter<long>("kis.realtime.frames", "{frame}", "Data frames received");
    public static readonly Counter<long> Records = Meter.CreateCounter<long>("kis.realtime.records", "{record}", "Records received");
    public static readonly Counter<long> Bytes = Meter.CreateCounter<long>("kis.realtime.bytes", "By", "Message bytes received");
    public static readonly Counter<long> DecodeErrors = Meter.CreateCounter<long>("kis.realtime.decode_errors", "{error}", "Frames or records that failed to decode");
    public static readonly Counter<long> Dropped = Meter.CreateCounter<long>("kis.realtime.dropped", "{record}", "Records dropped by full subscription buffers");
    public static readonly Counter<long> Unrouted = Meter.CreateCounter<long>("kis.realtime.unrouted", "{record}", "Records that matched no registration (attribute kis.tr_id)");
    public static readonly Counter<long> SlowConsumers = Meter.CreateCounter<long>("kis.realtime.slow_consumers", "{consumer}", "Wait-mode consumers ended for holding their session too long");
    public static readonly Counter<long> Reconnects = Meter.CreateCounter<long>("kis.realtime.reconnects", "{reconnect}", "Connections re-established");
    public static readonly Histogram<double> DeliveryLatency = Meter.CreateHistogram<double>("kis.realtime.delivery.latency", "ms",
        "Time from receiving a frame to handing its record to the consumer");
}
