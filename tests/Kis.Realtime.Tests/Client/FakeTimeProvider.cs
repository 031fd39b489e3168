namespace Kis.Realtime.Tests.Client;

/// <summary>
/// A clock and timers moved by hand (Microsoft.Extensions.TimeProvider.Testing is not available here). Timers fire
/// synchronously inside <see cref="Advance"/>, in due order.
/// </summary>
internal sealed class FakeTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<Timer> _timers = new();
    private long _ticks;

    public override DateTimeOffset GetUtcNow() => start + TimeSpan.FromTicks(Interlocked.Read(ref _ticks));
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>When the earliest timer is due (null: none armed): what a component waits for, seen without a wall-clock wait.</summary>
    public DateTimeOffset? NextTimerDue
    {
        get
        {
            lock (_gate) return _timers.Count == 0 ? null : start + TimeSpan.FromTicks(_timers.Min(t => t.DueAt));
        }
    }

    public void Advance(TimeSpan by)
    {
        var target = Interlocked.Read(ref _ticks) + by.Ticks;
        while (true)
        {
            Timer? next;
            lock (_gate) next = _timers.Where(t => t.DueAt <= target).MinBy(t => t.DueAt);
            if (next is null) break;
            Interlocked.Exchange(ref _ticks, Math.Max(Interlocked.Read(ref _ticks), next.DueAt));
            next.Fire();
        }
        Interlocked.Exchange(ref _ticks, target);
    }

    private sealed class Timer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long DueAt;
        private long _period;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                DueAt = owner.GetTimestamp() + dueTime.Ticks;
                _period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
                owner._timers.Add(this);
            }
            return true;
        }

        public void Fire()
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
                if (_period > 0)
                {
                    DueAt += _period;
                    owner._timers.Add(this);
                }
            }
            callback(state);
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
