namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// The tests that start fleets of gateway processes (<see cref="FleetProcesses"/>): one at a time among themselves (a
/// fleet's elections and its processes' start-up are what they exercise), beside the other collections, whose tests
/// mostly wait. Those that keep both cores busy on purpose (<see cref="BusyCores"/>) or assert a latency run alone, in
/// <see cref="RecordKillTests"/>' collection.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FleetProcessCollection
{
    public const string Name = "Gateway fleet processes";
}

/// <summary>
/// The tests that start and kill single <c>kisrt</c> processes (gateways, standbys, simulators): one at a time among
/// themselves, beside the other collections, as <see cref="FleetProcessCollection"/>.
/// </summary>
[CollectionDefinition(Name)]
public sealed class KisrtProcessCollection
{
    public const string Name = "kisrt processes";
}
