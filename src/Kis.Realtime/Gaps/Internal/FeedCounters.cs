namespace Kis.Realtime.Internal;

/// <summary>
/// One source's counters in a <see cref="KisMergedClient"/>, summed over its subscriptions (each subscription's consumer
/// writes them, a health snapshot reads them: every field is read and written atomically).
/// </summary>
internal sealed class FeedCounters
{
    private long _records, _first, _repeats, _late, _unplaced, _lastLag, _maxLag, _lastReceived, _failures;

    public long Records => Interlocked.Read(ref _records);
    public long FirstDelivered => Interlocked.Read(ref _first);
    public long Repeats => Interlocked.Read(ref _repeats);
    public long Late => Interlocked.Read(ref _late);
    public long Unplaced => Interlocked.Read(ref _unplaced);
    public long Failures => Interlocked.Read(ref _failures);
    public TimeSpan? LastLag => Interlocked.Read(ref _repeats) == 0 ? null : TimeSpan.FromTicks(Interlocked.Read(ref _lastLag));
    public TimeSpan MaxLag => TimeSpan.FromTicks(Interlocked.Read(ref _maxLag));

    public DateTimeOffset? LastReceivedAt
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastReceived);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>The source's last subscription failure, in words (null: none).</summary>
    public string? LastFailure { get; private set; }

    public void Received(DateTimeOffset at)
    {
        Interlocked.Increment(ref _records);
        Interlocked.Exchange(ref _lastReceived, at.UtcTicks);
    }

    public void First() => Interlocked.Increment(ref _first);

    public void CountLate() => Interlocked.Increment(ref _late);

    /// <summary>A trade behind the tape in a hole no longer remembered that may be a copy of a trade sent long ago: not sent.</summary>
    public void CountUnplaced() => Interlocked.Increment(ref _unplaced);

    /// <summary>A copy of a record another source sent first, <paramref name="lag"/> after it (null: unknown).</summary>
    public void Repeated(long? lag)
    {
        Interlocked.Increment(ref _repeats);
        if (lag is not { } ticks) return;
        ticks = Math.Max(0, ticks);
        Interlocked.Exchange(ref _lastLag, ticks);
        long max;
        while (ticks > (max = Interlocked.Read(ref _maxLag)) && Interlocked.CompareExchange(ref _maxLag, ticks, max) != max) { }
    }

    /// <summary>Why the source could not connect when the merged client started (null: it did).</summary>
    public string? ConnectFailure { get; private set; }

    public void ConnectFailed(string reason) => ConnectFailure = reason;

    public void Failed(string reason)
    {
        Interlocked.Increment(ref _failures);
        LastFailure = reason;
    }
}
