using System.Diagnostics.CodeAnalysis;
#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Retry;

/// <summary>
/// The one rate limit of the packages: at most <c>limit</c> events in any <c>window</c>, kept as the times of the events
/// still inside it. Used for connection attempts per app key (KIS is reported to block keys that reconnect rapidly) and
/// for the gateway's requests per broker user. Exact where a token bucket is not: a bucket's refill lets one window see
/// nearly twice its capacity. Memory: the events inside the window, at most <c>limit</c> when every event goes through
/// <see cref="TryRecord"/> (<see cref="Record"/> counts one that happened anyway, over the limit if it must). Not
/// thread-safe: its owner serialises calls.
/// </summary>
[Experimental("KISRT0001")]
public sealed class SlidingWindowLimit
{
    private readonly int _limit;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly Queue<long> _events = new();

    public SlidingWindowLimit(int limit, TimeSpan window, TimeProvider time)
    {
        if (limit <= 0 || window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(limit), "A rate limit needs a positive limit and window.");
        (_limit, _window, _time) = (limit, window, time);
    }

    /// <summary>Events within the window now.</summary>
    public int Recent
    {
        get
        {
            Expire(_time.GetTimestamp());
            return _events.Count;
        }
    }

    /// <summary>How long until one more event fits (zero when it fits now).</summary>
    public TimeSpan DelayBeforeNext()
    {
        var now = _time.GetTimestamp();
        Expire(now);
        if (_events.Count < _limit) return TimeSpan.Zero;
        // One extra millisecond: the elapsed time is computed in floating point, and the wait must not end a tick early.
        return _window - _time.GetElapsedTime(_events.Peek(), now) + TimeSpan.FromMilliseconds(1);
    }

    /// <summary>Counts an event, whether or not it fitted (a connection attempt that was made anyway).</summary>
    public void Record() => _events.Enqueue(_time.GetTimestamp());

    /// <summary>Counts an event if it fits; false (and nothing counted) when the window is full.</summary>
    public bool TryRecord()
    {
        if (DelayBeforeNext() > TimeSpan.Zero) return false;
        Record();
        return true;
    }

    private void Expire(long now)
    {
        while (_events.TryPeek(out var oldest) && _time.GetElapsedTime(oldest, now) >= _window) _events.Dequeue();
    }
}
