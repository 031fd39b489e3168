using System.Diagnostics.Metrics;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Gateway;
using Microsoft.Extensions.DependencyInjection;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Telemetry;

/// <summary>The gateway's instruments, as an OpenTelemetry exporter sees them: names, units, and values that move.</summary>
public sealed class GatewayInstrumentsTests
{
    [RabbitFact]
    public async Task Every_gateway_instrument_has_a_dotted_lower_case_name_and_a_unit_and_reports_the_running_gateway()
    {
        // A meter of the test's own factory: the instruments of other gateways running in this process are not seen.
        using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = provider.GetRequiredService<IMeterFactory>();
        var published = new List<Instrument>();
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name != KisGateway.MeterName || instrument.Meter.Scope != factory) return;
            lock (published) published.Add(instrument);
            l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => { lock (values) values[i.Name] = v; });
        listener.SetMeasurementEventCallback<int>((i, v, _, _) => { lock (values) values[i.Name] = v; });
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => { lock (values) values[i.Name] = v; });
        listener.Start();

        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            MeterFactory = factory,
        });
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        double Read(string name)
        {
            listener.RecordObservableInstruments();
            lock (values) return values.GetValueOrDefault(name, -1);
        }
        await UntilAsync(() => Read("kis.gateway.confirmed") >= 20, "records confirmed by the broker");

        Instrument[] all;
        lock (published) all = [.. published];
        Assert.True(all.Length >= 10, $"{all.Length} gateway instruments");
        Assert.All(all, i =>
        {
            Assert.Matches(@"^kis\.gateway(\.[a-z]+)+$", i.Name);
            Assert.False(string.IsNullOrEmpty(i.Unit), $"{i.Name} has no unit");
        });
        Assert.Contains(all, i => i.Name == "kis.gateway.broker.connected" && i.Unit == "{connection}");
        Assert.Equal(1, Read("kis.gateway.broker.connected"));
        Assert.True(Read("kis.gateway.registrations") >= 1);
        listener.RecordObservableInstruments(); // both from one collection: confirmed never runs ahead of received
        lock (values) Assert.True(values["kis.gateway.received"] >= values["kis.gateway.confirmed"], "more confirmed than received");
    }
}
