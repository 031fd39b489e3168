using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>
/// Detects missed trades on one TR and key from KIS's cumulative volume (acml_vol beside each trade's cntg_vol): pure,
/// no I/O, no clock. The cumulative volume counts from each trading day's first trade; which day a trade belongs to is
/// its market's (<see cref="MarketCalendar.For"/>): a US session or a night session crossing KST midnight is one day. Feed it every trade of the key in arrival
/// order; its state survives reconnects (tell it with
/// <see cref="NoteReconnect"/> to have the next gap marked). Not thread-safe: one feeder.
/// </summary>
public sealed class GapDetector
{
    private long _lastAccumulated = -1;
    // The last trade's time as clock ticks in its offset (DateTimeOffset.Ticks) and that offset: no DateTimeOffset is
    // built per trade, only for a gap reported.
    private long _lastTicks;
    private TimeSpan _lastOffset;
    // The UTC ticks of the trade that set _lastAccumulated: a count falling under a later stamp than *its* is a new day
    // (a stale record moves _lastTicks, not the baseline, so a late in-order batch must not look like one).
    private long _baselineUtcTicks;
    private bool _reconnected;
    private int _lastDay;
    private readonly MarketCalendar _calendar;

    /// <summary>A detector for one TR and key.</summary>
    public GapDetector(string trId, string key)
    {
        TrId = trId ?? throw new ArgumentNullException(nameof(trId));
        Key = key ?? throw new ArgumentNullException(nameof(key));
        _calendar = MarketCalendar.For(trId, key);
    }

    /// <summary>The calendar that tells this TR and key's trading day.</summary>
    public MarketCalendar Calendar => _calendar;

    /// <summary>The TR.</summary>
    public string TrId { get; }
    /// <summary>The key.</summary>
    public string Key { get; }
    /// <summary>Trades checked (with a cumulative volume).</summary>
    public long Checked { get; private set; }
    /// <summary>Gaps found (<see cref="VolumeGapKind.Missing"/>).</summary>
    public long Gaps { get; private set; }
    /// <summary>Total volume missed.</summary>
    public long MissingVolume { get; private set; }
    /// <summary>Overlaps found (<see cref="VolumeGapKind.Overlap"/>).</summary>
    public long Overlaps { get; private set; }
    /// <summary>Trading days begun after the first (acml_vol counts again from 0).</summary>
    public long Resets { get; private set; }

    /// <summary>Marks a reconnect: a gap found at the next trade is reported <see cref="VolumeGap.AcrossReconnect"/>.</summary>
    public void NoteReconnect() => _reconnected = true;

    /// <summary>
    /// Checks one trade. Returns true with <paramref name="gap"/> when trades were missed before it or it overlaps
    /// trades already seen. The first trade only sets the baseline (what happened before the detector started is not a
    /// gap); a trade of a later trading day (by <paramref name="time"/> and <see cref="Calendar"/>) starts the count again
    /// (a gap only if its acml_vol ≠ cntg_vol), as does a trade whose acml_vol falls under a later stamp than the last
    /// (a day change that the dating of a TR without a date could not see).
    /// </summary>
    /// <param name="time">The trade's time (any offset: KIS stamps KST).</param>
    /// <param name="volume">cntg_vol: the trade's volume.</param>
    /// <param name="cumulativeVolume">acml_vol after the trade; negative when the source carries none (not checked).</param>
    /// <param name="gap">The gap found.</param>
    public bool Observe(DateTimeOffset time, long volume, long cumulativeVolume, out VolumeGap gap) =>
        Observe(time.Ticks, time.Offset, volume, cumulativeVolume, out gap);

    /// <summary>As <see cref="Observe(DateTimeOffset, long, long, out VolumeGap)"/>, with the time as clock ticks in <paramref name="offset"/>.</summary>
    internal bool Observe(long ticks, TimeSpan offset, long volume, long cumulativeVolume, out VolumeGap gap)
    {
        gap = default;
        if (cumulativeVolume < 0) return false;
        Checked++;
        var previous = _lastAccumulated;
        var (previousTicks, previousOffset, previousDay) = (_lastTicks, _lastOffset, _lastDay);
        var reconnected = _reconnected;
        var day = _calendar.TradingDayNumber(ticks - offset.Ticks);
        (_lastTicks, _lastOffset, _lastDay) = (ticks, offset, day);
        _reconnected = false;
        if (previous < 0)
        {
            (_lastAccumulated, _baselineUtcTicks) = (cumulativeVolume, ticks - offset.Ticks);
            return false;
        }

        var missing = CumulativeVolumeRule.Missing(previous, previousDay, cumulativeVolume, volume, day, out var reset);
        // A count that falls under a later stamp than the baseline's started again: a repeated or stale record never
        // carries a stamp later than the trade whose count it falls under. Only a day change that dating could not see
        // does this (a TR without a date whose source skipped from one day's session into the next one's without a step
        // back), so it is a new day, not an overlap of every trade until the count passes yesterday's.
        if (!reset && cumulativeVolume < previous && ticks - offset.Ticks > _baselineUtcTicks)
            (reset, missing) = (true, cumulativeVolume - volume);
        // A stale or repeated record does not move the baseline back (the next trade would look like a gap).
        if (reset || CumulativeVolumeRule.Advances(previous, previousDay, cumulativeVolume, day))
            (_lastAccumulated, _baselineUtcTicks) = (cumulativeVolume, ticks - offset.Ticks);
        if (reset) Resets++;
        if (missing == 0 || reset && missing < 0) return false;

        if (missing > 0) { Gaps++; MissingVolume += missing; }
        else Overlaps++;
        gap = new VolumeGap
        {
            TrId = TrId,
            Key = Key,
            Kind = missing > 0 ? VolumeGapKind.Missing : VolumeGapKind.Overlap,
            From = new DateTimeOffset(previousTicks, previousOffset),
            To = new DateTimeOffset(ticks, offset),
            MissingVolume = missing,
            MissingTradesAtLeast = missing > 0 ? 1 : 0,
            CumulativeVolumeBefore = previous,
            CumulativeVolumeAfter = cumulativeVolume,
            AcrossReconnect = reconnected,
            AfterReset = reset,
        };
        return true;
    }
}
