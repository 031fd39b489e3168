using System.Collections.Concurrent;

namespace Kis.Realtime.Retry;

/// <summary>
/// KIS's REST limits, enforced before sending rather than discovered by refusal (EGW00201): at most <c>limit</c> calls
/// in any second per app key and server, as the server sees them, shared by every client of the process that uses the
/// key (<see cref="For"/>). A call holds its slot from the grant until its answer (or failure): it reaches the server
/// somewhere in that span, so the slot counts until the answer and then for one second more. Counting at the grant alone
/// let calls delayed after it (the token, a new connection, the JIT) arrive bunched with the next second's. So no window
/// of one second at the server, wherever it starts, sees more than the limit: the last call granted into such a window
/// saw every other one of it still open or answered within the second before its grant. Callers queue in turn (FIFO
/// through one semaphore); the slots have one lock.
/// </summary>
internal sealed class RestRateLimiter
{
    private static readonly ConcurrentDictionary<string, RestRateLimiter> Shared = new(StringComparer.Ordinal);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Queue<long> _answered = new(); // when calls inside the window ended
    private readonly TimeProvider _time;
    private TaskCompletionSource _slotEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _open;
    private long _granted;
    private int _sleeping;

    public RestRateLimiter(int perSecond, TimeProvider time)
    {
        if (perSecond <= 0) throw new ArgumentOutOfRangeException(nameof(perSecond), "A rate limit needs a positive limit.");
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

    /// <summary>Callers waiting on a timer for the window to free a slot (not those waiting for an open call's answer).</summary>
    public int Sleeping => Volatile.Read(ref _sleeping);

    /// <summary>
    /// Waits for a slot and takes it: the caller may send one call now, and disposes the lease when its answer came (or
    /// the call failed); the slot counts for one second more.
    /// </summary>
    public async Task<IDisposable> WaitAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                TimeSpan delay;
                Task slotEnded;
                lock (_gate)
                {
                    var now = _time.GetTimestamp();
                    while (_answered.TryPeek(out var oldest) && _time.GetElapsedTime(oldest, now) >= Window) _answered.Dequeue();
                    if (_open + _answered.Count < PerSecond)
                    {
                        _open++;
                        Interlocked.Increment(ref _granted);
                        return new Lease(this);
                    }
                    // Only an answered call's second ending frees a slot; with every slot still open, an answer must come first.
                    // One extra millisecond: the elapsed time is computed in floating point, and the wait must not end a tick early.
                    delay = _answered.TryPeek(out var first)
                        ? Window - _time.GetElapsedTime(first, now) + TimeSpan.FromMilliseconds(1)
                        : Timeout.InfiniteTimeSpan;
                    slotEnded = _slotEnded.Task;
                }
                if (delay == Timeout.InfiniteTimeSpan)
                {
                    await slotEnded.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                Interlocked.Increment(ref _sleeping);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _sleeping);
                }
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    private void End()
    {
        TaskCompletionSource ended;
        lock (_gate)
        {
            _open--;
            _answered.Enqueue(_time.GetTimestamp());
            ended = _slotEnded;
            _slotEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        ended.TrySetResult();
    }

    /// <summary>One call's slot, open until disposed (once).</summary>
    private sealed class Lease(RestRateLimiter owner) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0) owner.End();
        }
    }
}
