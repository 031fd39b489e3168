using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>How seeded bars were joined to the live trades (<see cref="BarAggregator{TTrade, TAccessor}.SeedResult"/>).</summary>
public readonly record struct SeedResult
{
    /// <summary>Seeded bars kept: those strictly before the first live trade's bar.</summary>
    public int KeptBars { get; init; }
    /// <summary>Seeded bars dropped: at or after the first live trade's bar and not joined.</summary>
    public int DroppedBars { get; init; }
    /// <summary>
    /// True when the seeded bar of the first live trade's interval began the forming bar: the volume traded before the
    /// first live trade covers it (any excess is <see cref="MissingVolume"/>).
    /// </summary>
    public bool JoinedFormingBar { get; init; }
    /// <summary>
    /// Volume traded before the first live trade that neither the kept seeded bars nor the joined one hold: acml_vol −
    /// cntg_vol of the first live trade − their volume. Positive: missing (the first live trade's bar is flagged
    /// <see cref="BarFlags.Gap"/>, and the aggregator counts it in its Gaps and MissingVolume); negative: the seed holds
    /// more than was traded before (an overlap); null when the trade view carries no cumulative volume.
    /// </summary>
    public long? MissingVolume { get; init; }
    /// <summary>
    /// Live trade records the seed already held, in no bar again: their acml_vol is at or below the seeded volume of
    /// their day (the seed was read after the subscription began, so it counted them). A record received twice counts
    /// twice here: the seed holds no trade identities to tell a repeat from the first copy.
    /// </summary>
    public long CoveredTrades { get; init; }
}

public sealed partial class BarAggregator<TTrade, TAccessor>
{
    // The seeded bars and what became of them (Internal/SeededBars).
    private readonly SeededBars _seeded = new();
    private BarFlags _pendingFlags;

    /// <summary>What <see cref="Seed"/> did at the first live trade (default until then).</summary>
    public SeedResult SeedResult => _seeded.Result;

    /// <summary>
    /// Bars of this key known before the live trades (KIS's REST minute chart, a recording, the gateway's stream), to be
    /// continued without a gap or an overlap. Call before the first trade. At the first live trade: seeded bars strictly
    /// before its interval are emitted (flagged <see cref="BarFlags.Seeded"/>); the seeded bar of its interval begins the
    /// forming bar when cumulative volume shows the trades before the first live one cover it (acml_vol − cntg_vol of the
    /// first live trade ≥ the seeded volume up to and including that bar), else it is dropped and the forming bar is
    /// rebuilt from live trades; volume still missing flags the first live trade's bar <see cref="BarFlags.Gap"/> and
    /// counts as a gap; later seeded bars are dropped. A live trade whose acml_vol is at or below the seeded volume of its
    /// day is one the seed already holds (the seed was read after subscribing): it goes into no bar again and is counted
    /// (<see cref="SeedResult.CoveredTrades"/>); the first live trade beyond it continues the seed's last bar. This
    /// takes the seed to hold the day from its start (as KIS's REST minute chart does).
    /// </summary>
    /// <exception cref="InvalidOperationException">Trades were already added.</exception>
    /// <exception cref="ArgumentException">Not time or day bars, or a seeded bar of another length, key, or still forming.</exception>
    public void Seed(IEnumerable<Bar> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        if (_key is not null || _bar.IsForming) throw new InvalidOperationException("Seed bars before the first trade.");
        if (_kind > BarKind.Day) throw new ArgumentException("Only time and day bars can be seeded.", nameof(bars));
        _seeded.Set(bars, Spec);
    }

    // start: the first live trade's interval on the market's clock; the seed's bars are compared on that clock too.
    private void ApplySeed(long start, long volume, long accumulated)
    {
        var calendar = _calendar!;
        var placed = _seeded.Place(start, accumulated >= 0 ? accumulated - volume : -1, _key!, calendar, _closed.Ready);
        if (placed.LastKept is { } last)
        {
            _closed.ContinueFrom(calendar.LocalTicks(last.CloseTime.UtcTicks), // empty bars continue from the seed
                calendar.DayNumberOfLocal(calendar.LocalTicks(last.OpenTime.UtcTicks)), last.Close);
        }
        if (placed.Joined is { } partial)
        {
            Begin(start, start + _interval, start + _interval, calendar.DayNumberOfLocal(start), calendar.OffsetAtUtc(partial.OpenTime.UtcTicks),
                partial.Open);
            _bar.Join(partial);
        }
        if (placed.Missing is > 0 and var missing)
        {
            // The bar after the gap (the one the first live trade goes into) is flagged, and the gap counted like any other.
            if (placed.Joined is not null) _bar.Flag(BarFlags.Gap);
            else _pendingFlags |= BarFlags.Gap;
            _tape.Gaps++;
            _tape.MissingVolume += missing;
        }
    }
}
