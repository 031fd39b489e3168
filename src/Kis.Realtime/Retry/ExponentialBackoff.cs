using System.Diagnostics.CodeAnalysis;
#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Retry;

/// <summary>
/// The one retry-delay rule of every reconnect and retry loop (KIS session, gateway publisher, request server, stream
/// reader and election, PostgreSQL recorder; fixed-pace loops take <see cref="Jittered"/>): min × 2^failures, capped at max, then ±20 % jitter, so clients
/// dropped together
/// (a broker, server or database restart) do not come back in lockstep. One owner: the loop that waits.
/// </summary>
[Experimental("KISRT0001")]
public sealed class ExponentialBackoff
{
    private readonly TimeSpan _min, _max;
    private int _failures;

    public ExponentialBackoff(TimeSpan min, TimeSpan max)
    {
        if (min <= TimeSpan.Zero || max < min) throw new ArgumentOutOfRangeException(nameof(min), "A backoff needs 0 < min ≤ max.");
        (_min, _max) = (min, max);
        Current = Compute(0, min, max, Random.Shared.NextDouble());
    }

    /// <summary>The delay to wait before the next attempt (jittered once per step, so a log line and the wait agree).</summary>
    public TimeSpan Current { get; private set; }

    /// <summary>An attempt failed: the next delay doubles (up to the cap).</summary>
    public void Grow() => Current = Compute(++_failures, _min, _max, Random.Shared.NextDouble());

    /// <summary>An attempt succeeded: the next failure starts from the minimum again.</summary>
    public void Reset() => Current = Compute(_failures = 0, _min, _max, Random.Shared.NextDouble());

    /// <summary>min × 2^failures, capped at max, then ±20 % jitter (<paramref name="random01"/> in [0, 1)).</summary>
    public static TimeSpan Compute(int failures, TimeSpan min, TimeSpan max, double random01)
    {
        var ms = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures, 0, 30)));
        return Jitter(TimeSpan.FromMilliseconds(ms), random01);
    }

    /// <summary>±20 % of <paramref name="delay"/>.</summary>
    public static TimeSpan Jitter(TimeSpan delay, double random01) => delay * (0.8 + random01 * 0.4);

    /// <summary><paramref name="delay"/> ±20 %, at random: the wait of a loop that retries at a fixed pace (a standby's
    /// poll, a writer that must catch up at once) so that loops dropped together do not retry in lockstep.</summary>
    public static TimeSpan Jittered(TimeSpan delay) => Jitter(delay, Random.Shared.NextDouble());
}
