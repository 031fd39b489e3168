using System.Diagnostics.Metrics;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>Gives the dashboard's client meters of its own, so the health panel (<see cref="ClientHealthPanel"/>) listens to this client
/// and no other. Beside the panel that reads it: the dashboard names its panels, never the other way round.</summary>
internal sealed class ClientMeterFactory : IMeterFactory
{
    private readonly Lock _gate = new();
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        lock (_gate) _meters.Add(meter);
        return meter;
    }

    public bool Owns(Meter meter) => ReferenceEquals(meter.Scope, this);

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var m in _meters) m.Dispose();
            _meters.Clear();
        }
    }
}
