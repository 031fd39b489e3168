namespace Kis.Realtime.Internal;

/// <summary>
/// The order server's clock as its answers tell it: the HTTP <c>Date</c> of every answer, or, from a server that sends
/// none, the order time (ORD_TMD) of an accepted order. Orders are stamped on that clock, so an order of ours is looked
/// for on it, never on this machine's (a simulator's demo day, a server minutes off, <c>kisrt sim --clock-speed 10</c>,
/// a replay paused). Kept as the stamps themselves: the latest is a floor of the server's time for anything sent after
/// it was received, whatever the rate its clock runs at; the rate is measured between stamps, never assumed.
/// Thread-safe: one lock.
/// </summary>
internal sealed class ServerClock(TimeProvider local)
{
    /// <summary>The least span of this machine's time between two stamps to measure the rate over (the Date is whole seconds).</summary>
    private static readonly TimeSpan RateSpan = TimeSpan.FromSeconds(2);

    /// <summary>How far back a stamp may be before it is taken for a new clock (a restarted server, a new demo day) rather than
    /// an answer that overtook another.</summary>
    private static readonly TimeSpan JumpBack = TimeSpan.FromMinutes(1);

    private const int MaxStamps = 16;

    private readonly Lock _gate = new();
    private readonly List<Stamp> _stamps = [];
    private bool _fromDate;

    /// <summary>A server time and this machine's time when it was received.</summary>
    private readonly record struct Stamp(DateTimeOffset Server, DateTimeOffset Local);

    /// <summary>The latest server time an answer told (null before any): the server stamps anything sent from now on at
    /// or after it.</summary>
    public DateTimeOffset? Latest
    {
        get
        {
            lock (_gate) return _stamps.Count > 0 ? _stamps[^1].Server : null;
        }
    }

    /// <summary>Server seconds per second of this machine, measured between the stamps kept; 1 until they span
    /// <see cref="RateSpan"/>.</summary>
    public double Rate
    {
        get
        {
            lock (_gate) return RateLocked();
        }
    }

    /// <summary>The server's time now, estimated; null until an answer told it.</summary>
    public DateTimeOffset? Now() => At(local.GetUtcNow());

    /// <summary>The server's time at <paramref name="localTime"/> (before or after the latest stamp), carried from that
    /// stamp at the measured rate; null until an answer told it.</summary>
    public DateTimeOffset? At(DateTimeOffset localTime)
    {
        lock (_gate)
        {
            if (_stamps.Count == 0) return null;
            var last = _stamps[^1];
            return last.Server + (localTime - last.Local) * RateLocked();
        }
    }

    /// <summary>An answer's HTTP Date (one-second resolution, truncated: never later than the server's time).</summary>
    public void ObserveDate(DateTimeOffset serverTime)
    {
        var now = local.GetUtcNow();
        lock (_gate)
        {
            if (!_fromDate) _stamps.Clear(); // order times (whole seconds of a KST day) give way to the Date for good
            _fromDate = true;
            Add(new Stamp(serverTime, now));
        }
    }

    /// <summary>The KST time of day an accepted order was stamped with; used only by a server that sends no Date.</summary>
    public void ObserveOrderTime(TimeOnly kst)
    {
        var now = local.GetUtcNow();
        lock (_gate)
        {
            if (_fromDate) return;
            // The day that puts the stamp nearest the server's time as last known (the local one before any).
            var near = (_stamps.Count > 0 ? _stamps[^1].Server + (now - _stamps[^1].Local) * RateLocked() : now).ToOffset(KoreaTime.Offset);
            var stamped = new DateTimeOffset(near.Date + kst.ToTimeSpan(), KoreaTime.Offset);
            if (stamped - near > TimeSpan.FromHours(12)) stamped = stamped.AddDays(-1);
            else if (near - stamped > TimeSpan.FromHours(12)) stamped = stamped.AddDays(1);
            Add(new Stamp(stamped, now));
        }
    }

    /// <summary>Keeps a stamp, the stamps a second or more apart. Under the lock.</summary>
    private void Add(Stamp stamp)
    {
        if (_stamps.Count > 0)
        {
            var last = _stamps[^1];
            if (stamp.Server < last.Server - JumpBack) _stamps.Clear(); // a new clock: what was measured no longer holds
            else if (stamp.Server <= last.Server) return; // the same second, or an answer that overtook a later one: the floor stays
            else if (_stamps.Count > 1 && stamp.Local - _stamps[^2].Local < TimeSpan.FromSeconds(1)) _stamps.RemoveAt(_stamps.Count - 1);
        }
        _stamps.Add(stamp);
        if (_stamps.Count > MaxStamps) _stamps.RemoveAt(0);
    }

    /// <summary>See <see cref="Rate"/>. Under the lock.</summary>
    private double RateLocked()
    {
        if (_stamps.Count < 2) return 1;
        var (first, last) = (_stamps[0], _stamps[^1]);
        var span = last.Local - first.Local;
        return span < RateSpan ? 1 : Math.Max(0, (last.Server - first.Server) / span);
    }
}
