using System.Diagnostics.Metrics;

namespace Kis.Realtime.Internal;

/// <summary>
/// The library's instruments, after OpenTelemetry's conventions: dotted lower-case names under <c>kis.realtime.</c>
/// (no snake_case segments),
/// UCUM units (<c>s</c>, <c>By</c>, <c>{record}</c>), durations in seconds, and what varies (TR, state) as attributes.
/// One instance per client, on a <see cref="Meter"/> from the client's <see cref="IMeterFactory"/> when it has one
/// (so DI containers and tests get their own), else on a meter of its own; both are named <see cref="MeterName"/>.
/// </summary>
internal sealed class KisInstruments : IDisposable
{
    /// <summary>The meter's name, for <c>AddMeter("Kis.Realtime")</c>.</summary>
    public const string MeterName = "Kis.Realtime";

    /// <summary>The attribute naming a TR id on per-TR instruments.</summary>
    public const string TrIdAttribute = "kis.tr_id";

    /// <summary>The attribute naming a connection state on <c>kis.realtime.sessions</c>.</summary>
    public const string StateAttribute = "kis.connection.state";

    private static readonly string? Version = typeof(KisInstruments).Assembly.GetName().Version?.ToString();

    // Explicit buckets: the SDK default (0–10 000) is for milliseconds; a delivery takes microseconds to seconds.
    private static readonly IReadOnlyList<double> DurationBuckets =
        [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

    private static readonly KisConnectionState[] States = Enum.GetValues<KisConnectionState>();
    private readonly bool _ownsMeter;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, or on a new meter.</summary>
    public KisInstruments(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(new MeterOptions(MeterName) { Version = Version }) ?? new Meter(MeterName, Version);
        _ownsMeter = meterFactory is null; // a factory's meters are disposed with the factory
        Frames = Meter.CreateCounter<long>("kis.realtime.frames", "{frame}", "Data frames received");
        Records = Meter.CreateCounter<long>("kis.realtime.records", "{record}", "Records received");
        Bytes = Meter.CreateCounter<long>("kis.realtime.received.bytes", "By", "Message bytes received");
        DecodeErrors = Meter.CreateCounter<long>("kis.realtime.decode.errors", "{error}", "Frames or records that failed to decode and were skipped");
        Dropped = Meter.CreateCounter<long>("kis.realtime.dropped", "{record}", "Records dropped by full subscription buffers");
        Reconnects = Meter.CreateCounter<long>("kis.realtime.reconnects", "{reconnect}", "Connections re-established after a loss");
        Unrouted = Meter.CreateCounter<long>("kis.realtime.unrouted", "{record}", "Records that matched no registration (attribute kis.tr_id)");
        SlowConsumers = Meter.CreateCounter<long>("kis.realtime.consumers.slow", "{consumer}", "Wait-mode consumers ended for holding their session too long");
        DeliveryDuration = Meter.CreateHistogram("kis.realtime.delivery.duration", "s",
            "Time from receiving a frame to handing its record to the consumer", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    /// <summary>The meter the instruments are on.</summary>
    public Meter Meter { get; }

    /// <summary><c>kis.realtime.frames</c>: data frames received.</summary>
    public Counter<long> Frames { get; }

    /// <summary><c>kis.realtime.records</c>: records received (a frame carries one or more).</summary>
    public Counter<long> Records { get; }

    /// <summary><c>kis.realtime.received.bytes</c>: message bytes received.</summary>
    public Counter<long> Bytes { get; }

    /// <summary><c>kis.realtime.decode.errors</c>: frames or records skipped as undecodable.</summary>
    public Counter<long> DecodeErrors { get; }

    /// <summary><c>kis.realtime.dropped</c>: records dropped by full subscription buffers.</summary>
    public Counter<long> Dropped { get; }

    /// <summary><c>kis.realtime.reconnects</c>: connections re-established.</summary>
    public Counter<long> Reconnects { get; }

    /// <summary><c>kis.realtime.unrouted</c> (attribute <see cref="TrIdAttribute"/>): records that matched no registration.</summary>
    public Counter<long> Unrouted { get; }

    /// <summary><c>kis.realtime.consumers.slow</c>: Wait-mode consumers ended with <see cref="KisSlowConsumerException"/>.</summary>
    public Counter<long> SlowConsumers { get; }

    /// <summary><c>kis.realtime.delivery.duration</c> (s, attribute <see cref="TrIdAttribute"/>): frame received → record handed over.</summary>
    public Histogram<double> DeliveryDuration { get; }

    /// <summary>Records one delivery of a record of <paramref name="trId"/> that took <paramref name="elapsed"/>.</summary>
    public void RecordDelivery(TimeSpan elapsed, string trId)
    {
        if (DeliveryDuration.Enabled) DeliveryDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(TrIdAttribute, trId));
    }

    /// <summary>
    /// Adds the observable instruments, read from the client when a collector asks (never on the hot path):
    /// <c>kis.realtime.sessions</c> (sessions per <see cref="StateAttribute"/>), <c>kis.realtime.registrations</c>
    /// and <c>kis.realtime.buffered</c> (records waiting in subscription buffers).
    /// </summary>
    public void Observe(Func<IReadOnlyList<KisConnectionState>> sessionStates, Func<long> registrations, Func<long> buffered)
    {
        Meter.CreateObservableUpDownCounter("kis.realtime.sessions", () => SessionsByState(sessionStates()), "{session}",
            "Sessions (one per app key in use) by connection state");
        Meter.CreateObservableUpDownCounter("kis.realtime.registrations", registrations, "{registration}",
            "Registrations held on the server (KIS allows 41 per session)");
        Meter.CreateObservableUpDownCounter("kis.realtime.buffered", buffered, "{record}",
            "Records received and waiting in subscription buffers for their consumer");
    }

    private static IEnumerable<Measurement<long>> SessionsByState(IReadOnlyList<KisConnectionState> states)
    {
        // Every state is reported (zero included) so a dashboard sees a state empty out, not a series vanish.
        foreach (var state in States)
        {
            long count = 0;
            foreach (var s in states) if (s == state) count++;
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>(StateAttribute, StateName(state)));
        }
    }

    internal static string StateName(KisConnectionState state) => state switch
    {
        KisConnectionState.Closed => "closed",
        KisConnectionState.Connecting => "connecting",
        KisConnectionState.Connected => "connected",
        KisConnectionState.Reconnecting => "reconnecting",
        KisConnectionState.Faulted => "faulted",
        _ => state.ToString().ToLowerInvariant(),
    };

    public void Dispose()
    {
        if (_ownsMeter) Meter.Dispose();
    }
}
