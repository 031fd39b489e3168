namespace Kis.Realtime.Session;

/// <summary>
/// Caps connection attempts per app key at <c>limit</c> in any 60-second window, whatever the server does (KIS is
/// reported to block app keys that reconnect rapidly). Used by the session's run loop only.
/// </summary>
internal sealed class ConnectBudget(int limit, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<long> _attempts = new();

    /// <summary>How long to wait before the next attempt fits the budget (zero when it fits now).</summary>
    public TimeSpan DelayBeforeNext()
    {
        var now = time.GetTimestamp();
        while (_attempts.TryPeek(out var oldest) && time.GetElapsedTime(oldest, now) >= Window) _attempts.Dequeue();
        if (_attempts.Count < limit) return TimeSpan.Zero;
        // One extra millisecond: the elapsed time is computed in floating point, and the wait must not end a tick early.
        return Window - time.GetElapsedTime(_attempts.Peek(), now) + TimeSpan.FromMilliseconds(1);
    }

    /// <summary>Attempts within the current window.</summary>
    public int RecentAttempts => _attempts.Count;

    public void RecordAttempt() => _attempts.Enqueue(time.GetTimestamp());
}
