namespace Kis.Realtime.Internal;

/// <summary>
/// The order server's clock as its answers tell it: the HTTP <c>Date</c> of every answer, or, from a server that sends
/// none, the order time (ORD_TMD) of an accepted order. Orders are stamped on that clock, so an order of ours is looked
/// for on it, never on this machine's (a simulator's demo day, a server minutes off). Kept as an offset from the local
/// clock. Thread-safe: one lock.
/// </summary>
internal sealed class ServerClock(TimeProvider local)
{
    private readonly Lock _gate = new();
    private TimeSpan? _offset;
    private bool _fromDate;

    /// <summary>The server's time now, estimated; null until an answer told it.</summary>
    public DateTimeOffset? Now()
    {
        lock (_gate) return _offset is { } offset ? local.GetUtcNow() + offset : null;
    }

    /// <summary>An answer's HTTP Date (one-second resolution; the tolerance of reconciling covers it).</summary>
    public void ObserveDate(DateTimeOffset serverTime)
    {
        var offset = serverTime - local.GetUtcNow();
        lock (_gate) (_offset, _fromDate) = (offset, true);
    }

    /// <summary>The KST time of day an accepted order was stamped with; used only by a server that sends no Date.</summary>
    public void ObserveOrderTime(TimeOnly kst)
    {
        var localNow = local.GetUtcNow().ToOffset(KoreaTime.Offset);
        lock (_gate)
        {
            if (_fromDate) return;
            // The day that puts the stamp nearest the server's time as last known (the local one before any).
            var near = localNow + (_offset ?? TimeSpan.Zero);
            var stamped = new DateTimeOffset(near.Date + kst.ToTimeSpan(), KoreaTime.Offset);
            if (stamped - near > TimeSpan.FromHours(12)) stamped = stamped.AddDays(-1);
            else if (near - stamped > TimeSpan.FromHours(12)) stamped = stamped.AddDays(1);
            _offset = stamped - localNow;
        }
    }
}
