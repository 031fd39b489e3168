using System.Collections.Concurrent;

namespace Kis.Realtime.Retry;

/// <summary>
/// KIS's REST limits, enforced before sending rather than discovered by refusal (EGW00201): at most <c>limit</c> calls
/// in any second per app key and server, shared by every client of the process that uses the key (<see cref="For"/>).
/// Callers queue in turn (FIFO through one semaphore) and each takes a slot of a <see cref="SlidingWindowLimit"/>, so no
/// window of one second, wherever it starts, sees more than the limit.
/// </summary>
internal sealed class RestRateLimiter
{
    private static readonly ConcurrentDictionary<string, RestRateLimiter> Shared = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly SlidingWindowLimit _window;
    private readonly TimeProvider _time;
    private long _granted;
    private int _sleeping;

    public RestRateLimiter(int perSecond, TimeProvider time)
    {
        _window = new SlidingWindowLimit(perSecond, TimeSpan.FromSeconds(1), time);
        _time = time;
        PerSecond = perSecond;
    }

    /// <summary>The limiter of <paramref name="what"/> ("rest" or "token") for an app key at a server, shared process-wide.</summary>
    public static RestRateLimiter For(string what, Uri restBase, string appKey, int perSecond, TimeProvider time)
        => Shared.GetOrAdd($"{what}|{restBase.GetLeftPart(UriPartial.Authority)}|{appKey}|{perSecond}|{time.GetHashCode()}",
            _ => new RestRateLimiter(perSecond, time));

    public int PerSecond { get; }

    /// <summary>Calls let through so far.</summary>
    public long Granted => Interlocked.Read(ref _granted);

    /// <summary>Callers waiting for the window to free a slot (a timer is armed for the first).</summary>
    public int Sleeping => Volatile.Read(ref _sleeping);

    /// <summary>Waits for a slot and takes it: the caller may send one call now.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Only the turn's holder touches the window: the semaphore is its one lock.
            while (_window.DelayBeforeNext() is var delay && delay > TimeSpan.Zero)
            {
                var wait = Task.Delay(delay, _time, cancellationToken);
                Interlocked.Increment(ref _sleeping);
                try
                {
                    await wait.ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _sleeping);
                }
            }
            _window.Record();
            Interlocked.Increment(ref _granted);
        }
        finally
        {
            _turn.Release();
        }
    }
}
