using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// A demo market on an ordinary trading day, whatever the wall clock says: a demo starts on the KST date it is made
/// (the next trading day when that one does not trade), and on the year's first trading day or the exam day KRX opens
/// at 10:00, so a test that places orders at 08:45 or 09:00:05 of the demo day would fail when CI runs on Dec 31 or
/// New Year's Day. The clock stands at Monday 2026-11-23 08:00 KST (the demo: 09:00) and moves only when told.
/// </summary>
internal static class OrdinaryDay
{
    /// <summary>A clock standing on the ordinary Monday, for <see cref="SimulatorOptions.TimeProvider"/>.</summary>
    public static ManualTimeProvider Clock() => new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.FromHours(9)));

    /// <summary>A demo market whose day is the ordinary Monday (<paramref name="options"/>: the default's).</summary>
    public static SimulatedMarket Market(SimulatorOptions? options = null) =>
        new((options ?? SimulatorOptions.Default) with { TimeProvider = Clock() });
}
