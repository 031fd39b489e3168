using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Simulator;

/// <summary>One instrument the simulator lists by name (<c>kisrt sim --list</c>): its kind (<c>index</c>, <c>stock</c>,
/// <c>elw</c>, <c>bond</c>, <c>futures/options</c>), the code its feeds and orders take, and its name (empty when it has
/// none).</summary>
public sealed record KisSimulatorInstrument(string Kind, string Code, string Name)
{
    /// <summary>
    /// Everything the simulator's market lists: its indices, stocks and ETFs, ELWs, bonds and the futures and options of
    /// <paramref name="tradingDay"/>'s expiry (their codes follow it). The same <paramref name="seed"/> as
    /// <see cref="SimulatorOptions.Seed"/> gives the same master.
    /// </summary>
    public static IReadOnlyList<KisSimulatorInstrument> List(int seed, DateOnly tradingDay) => List(seed, tradingDay, SimulatorUniverse.Small);

    /// <summary>
    /// As <see cref="List(int, DateOnly)"/> for <paramref name="universe"/> (<see cref="SimulatorOptions.Universe"/>): the
    /// whole KRX lists 2,700 stocks, the generated ones busiest first.
    /// </summary>
    public static IReadOnlyList<KisSimulatorInstrument> List(int seed, DateOnly tradingDay, SimulatorUniverse universe) =>
        new InstrumentMaster(seed, universe).Listing(tradingDay.ToDateTime(TimeOnly.MinValue))
            .Select(i => new KisSimulatorInstrument(i.Kind, i.Code, i.Name))
            .ToList();
}
