namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// A clock that moves only when told (Microsoft.Extensions.TimeProvider.Testing is not on this machine's NuGet mirror).
/// Timers fire synchronously inside <see cref="Advance"/>.
/// </summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Timers created and not disposed (one-shot timers that fired stay until disposed).</summary>
    public int TimerCount
    {
        get { lock (_gate) return _timers.Count; }
    }

    /// <summary>Whether a timer is armed to fire after <paramref name="after"/> and at or before <paramref name="atOrBefore"/>:
    /// lets a test wait until the code under test sleeps on the clock before moving it (moved earlier, the sleep would
    /// start from the moved time and overshoot).</summary>
    public bool HasTimerDueIn(DateTimeOffset after, DateTimeOffset atOrBefore)
    {
        lock (_gate) return _timers.Any(t => t.Due > after && t.Due <= atOrBefore);
    }

    /// <summary>How many timers are armed to fire after <paramref name="after"/> and at or before <paramref name="atOrBefore"/>:
    /// tells a new sleep in the window from a periodic timer already there.</summary>
    public int TimersDueIn(DateTimeOffset after, DateTimeOffset atOrBefore)
    {
        lock (_gate) return _timers.Count(t => t.Due > after && t.Due <= atOrBefore);
    }

    /// <summary>Moves the clock forward, firing every timer that comes due on the way, in order.</summary>
    public void Advance(TimeSpan by)
    {
        DateTimeOffset target;
        lock (_gate) target = _now + by;
        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due is not null && t.Due <= target).MinBy(t => t.Due);
                if (next is null)
                {
                    _now = target;
                    return;
                }
                _now = next.Due!.Value;
                next.Due = next.Period > TimeSpan.Zero && next.Period != Timeout.InfiniteTimeSpan ? _now + next.Period : null;
            }
            next.Fire();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due;
        public TimeSpan Period;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                Period = period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
                if (!owner._timers.Contains(this)) owner._timers.Add(this);
            }
            return true;
        }

        public void Dispose()
        {
            lock (owner._gate) owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
