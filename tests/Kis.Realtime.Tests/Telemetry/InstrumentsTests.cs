using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Kis.Realtime.Internal;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace Kis.Realtime.Tests.Telemetry;

public class InstrumentsTests
{
    private sealed record Sample(string Instrument, object? Meter, double Value, Dictionary<string, object?> Tags);

    /// <summary>Listens to every Kis.Realtime instrument (of any meter with that name).</summary>
    private sealed class Listener : IDisposable
    {
        private readonly MeterListener _listener = new();
        public readonly ConcurrentQueue<Sample> Samples = new();

        public Listener(Func<Instrument, bool>? accept = null)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == KisInstruments.MeterName && (accept?.Invoke(instrument) ?? true)) l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _listener.Start();
        }

        private void Add(Instrument i, double v, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var d = new Dictionary<string, object?>();
            foreach (var t in tags) d[t.Key] = t.Value;
            Samples.Enqueue(new Sample(i.Name, i.Meter.Scope, v, d));
        }

        public void Collect() => _listener.RecordObservableInstruments();
        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public void Instruments_follow_opentelemetry_conventions_on_a_meter_from_the_factory()
    {
        using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = provider.GetRequiredService<IMeterFactory>();
        using var listener = new Listener(i => i.Meter.Scope == factory);
        using var instruments = new KisInstruments(factory);

        Assert.Same(factory, instruments.Meter.Scope);
        Assert.Equal("s", instruments.DeliveryDuration.Unit);
        Assert.Equal("kis.realtime.delivery.duration", instruments.DeliveryDuration.Name);
        instruments.RecordDelivery(TimeSpan.FromMilliseconds(2.5), "H0UPCNT0");

        var sample = Assert.Single(listener.Samples);
        Assert.Equal(0.0025, sample.Value, 9);
        Assert.Equal("H0UPCNT0", sample.Tags[KisInstruments.TrIdAttribute]);
    }

    [Fact]
    public void Every_instrument_has_a_dotted_lower_case_name_and_a_unit()
    {
        var published = new List<Instrument>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == KisInstruments.MeterName) lock (published) published.Add(instrument);
        };
        listener.Start();
        using var instruments = new KisInstruments();
        instruments.Observe(() => [], () => 0, () => 0);
        // Clients of tests running beside this one publish on the same meter name while it runs (once seen as "Collection
        // was modified"): only this instance's instruments, copied under the lock.
        List<Instrument> ours;
        lock (published) ours = [.. published.Where(i => ReferenceEquals(i.Meter, instruments.Meter))];

        Assert.True(ours.Count >= 12, $"{ours.Count} instruments");
        Assert.All(ours, i =>
        {
            // OpenTelemetry: lower-case dot-separated namespaces; snake_case segments mixed with dotted names are not.
            Assert.Matches(@"^kis\.realtime(\.[a-z]+)+$", i.Name);
            Assert.False(string.IsNullOrEmpty(i.Unit), $"{i.Name} has no unit");
        });
        Assert.Contains(ours, i => i.Name == "kis.realtime.decode.errors" && i.Unit == "{error}");
        Assert.Contains(ours, i => i.Name == "kis.realtime.consumers.slow" && i.Unit == "{consumer}");
    }

    [Fact]
    public void Gauges_report_sessions_by_state_registrations_and_buffered_records()
    {
        using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = provider.GetRequiredService<IMeterFactory>();
        using var listener = new Listener(i => i.Meter.Scope == factory);
        using var instruments = new KisInstruments(factory);
        instruments.Observe(() => [KisConnectionState.Connected, KisConnectionState.Reconnecting, KisConnectionState.Connected], () => 7, () => 42);

        listener.Collect();
        var byName = listener.Samples.ToLookup(s => s.Instrument);
        Assert.Equal(7, Assert.Single(byName["kis.realtime.registrations"]).Value);
        Assert.Equal(42, Assert.Single(byName["kis.realtime.buffered"]).Value);
        var sessions = byName["kis.realtime.sessions"].ToDictionary(s => (string)s.Tags[KisInstruments.StateAttribute]!, s => s.Value);
        Assert.Equal(2, sessions["connected"]);
        Assert.Equal(1, sessions["reconnecting"]);
        Assert.Equal(0, sessions["faulted"]);
        Assert.Equal(Enum.GetValues<KisConnectionState>().Length, sessions.Count);
    }

    [Fact]
    public async Task A_live_subscription_records_delivery_duration_in_seconds_with_its_tr()
    {
        using var listener = new Listener(i => i.Name == "kis.realtime.delivery.duration");
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(50) });
        await using var client = new KisRealtimeClient(KisRealtimeOptions.Default with
        {
            Credentials = [new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret)],
            WebSocketUrl = sim.WebSocketUrl,
            RestBaseUrl = sim.RestBaseUrl,
        });
        var received = 0;
        await foreach (var _ in client.SubscribeBondTradesAsync("KR103502GD31").WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
            if (++received == 3) break;

        // Other tests run in parallel on the same process-wide meter: look for this TR's samples.
        var mine = listener.Samples.Where(s => Equals(s.Tags.GetValueOrDefault(KisInstruments.TrIdAttribute), "H0BJCNT0")).ToList();
        Assert.True(mine.Count >= 3);
        Assert.All(mine, s => Assert.InRange(s.Value, 0, 30)); // seconds, not milliseconds
    }

    [Fact]
    public async Task A_client_with_a_meter_factory_reports_its_own_sessions_registrations_and_records()
    {
        using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = provider.GetRequiredService<IMeterFactory>();
        using var listener = new Listener(i => i.Meter.Scope == factory);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(50) });
        await using var client = new KisRealtimeClient(KisRealtimeOptions.Default with
        {
            Credentials = [new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret)],
            WebSocketUrl = sim.WebSocketUrl,
            RestBaseUrl = sim.RestBaseUrl,
            MeterFactory = factory,
        });
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        for (var i = 0; i < 3; i++) Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15)));

        listener.Collect();
        var byName = listener.Samples.ToLookup(s => s.Instrument);
        Assert.Equal(1, byName["kis.realtime.registrations"].Last().Value);
        Assert.Equal(1, byName["kis.realtime.sessions"].Single(s => Equals(s.Tags[KisInstruments.StateAttribute], "connected")).Value);
        Assert.True(byName["kis.realtime.records"].Sum(s => s.Value) >= 3); // this client's counters, on its factory's meter
        Assert.True(byName["kis.realtime.delivery.duration"].Count() >= 3);
    }
}
