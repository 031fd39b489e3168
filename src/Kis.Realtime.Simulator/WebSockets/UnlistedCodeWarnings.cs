namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>
/// Which subscriptions to an unlisted code get the simulator's warning (docs/simulator.md, "Unlisted codes"): the first
/// of each code, at most <see cref="PerMinute"/> a minute. A client that subscribes a thousand made-up codes (or one
/// code a thousand times) does not flood the log; the codes beyond the limit are counted and the next warning says how
/// many went unnamed. One owner, one lock; no logging under it.
/// </summary>
internal sealed class UnlistedCodeWarnings(TimeProvider time)
{
    /// <summary>Warnings written in any minute; the rest are counted.</summary>
    public const int PerMinute = 10;

    private readonly Lock _gate = new();
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> _recent = new(); // when the last warnings (at most PerMinute) were written
    private long _unnamed;

    /// <summary>
    /// True when a warning for <paramref name="code"/> is to be written now (its first, within the rate), with the
    /// number of codes not named since the last one; false for a code warned about before or past the rate.
    /// </summary>
    public bool TryWarn(string code, out long unnamedBefore)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            unnamedBefore = 0;
            if (_warned.Contains(code)) return false;
            while (_recent.Count > 0 && now - _recent.Peek() >= TimeSpan.FromMinutes(1)) _recent.Dequeue();
            if (_recent.Count >= PerMinute)
            {
                _unnamed++; // not marked warned: a later subscription of it may still be named
                return false;
            }
            _warned.Add(code);
            _recent.Enqueue(now);
            unnamedBefore = _unnamed;
            _unnamed = 0;
            return true;
        }
    }
}
