namespace Kis.Realtime.Session;

/// <summary>
/// Two threads that take turns running one connection's receive loop (leader and follower). Why two: a consumer that was
/// waiting for a record should go on on a thread that is already awake. The thread that received the frame is; a
/// delivery thread must first be woken, and on a busy machine that wake-up was most of receive→delivery (the figures
/// are in docs/performance.md). So the thread holding the loop, once it has routed a frame, hands the
/// loop to its parked partner (whose wake-up now happens while the consumer runs, off the record's path) and runs the
/// first waiting consumer's continuation itself. It does so only while the partner is parked; otherwise the consumer
/// goes to its delivery thread as before, so a slow or blocking consumer never holds up receiving. Only the holder reads
/// the socket, so messages are still handled one at a time, in order; the thread count per frame woken stays two.
/// </summary>
internal sealed class ReceiverPair
{
    /// <summary>The pair whose holder is routing a frame on this thread with its partner parked (deferral allowed).</summary>
#pragma warning disable IDE1006 // t_: a [ThreadStatic] field, the runtime's own convention
    [ThreadStatic] private static ReceiverPair? t_routing;
#pragma warning restore IDE1006

    private readonly Func<ReceiverPair, (string Reason, bool AppKeyInUse)?> _receiveOne;
    private readonly Action<Exception> _continuationFailed;
    private readonly TaskCompletionSource<(string Reason, bool AppKeyInUse)> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new(); // guards _held, _parked, _done (a plain object: Monitor.Wait/Pulse need one)
    private bool _held;
    private int _parked;
    private bool _done;
    // Touched only by the thread holding the loop.
    private Action? _deferred;
    private DeliveryThread? _fallback;

    /// <param name="name">The threads' name (suffixed a/b).</param>
    /// <param name="receiveOne">Receives and handles one message; returns why the connection ended, or null to read on.</param>
    /// <param name="continuationFailed">Told of an exception thrown by a consumer continuation this pair ran.</param>
    public ReceiverPair(string name, Func<ReceiverPair, (string Reason, bool AppKeyInUse)?> receiveOne, Action<Exception> continuationFailed)
    {
        _receiveOne = receiveOne;
        _continuationFailed = continuationFailed;
        foreach (var suffix in "ab")
        {
            var thread = new Thread(Run) { IsBackground = true, Name = $"{name}{suffix}" }; // a session never keeps a process alive
            thread.UnsafeStart(); // no ExecutionContext: nothing of the caller's flows into the receive loop
        }
    }

    /// <summary>Completes when the connection has ended: why, and whether OPSP8996 ended it.</summary>
    public Task<(string Reason, bool AppKeyInUse)> Ended => _ended.Task;

    /// <summary>While the returned scope lives, a waiting consumer woken on this thread may be deferred to it.</summary>
    public RoutingScope BeginRouting()
    {
        if (Volatile.Read(ref _parked) > 0) t_routing = this; // only the holder can unpark the partner: no race to lose
        return default;
    }

    /// <summary>
    /// Called where a woken consumer would be posted to <paramref name="fallback"/>: keeps it for the routing thread to run
    /// once it has handed the loop on. False when this thread is not routing, the partner is busy, or one is kept already
    /// (further consumers of the frame still run in parallel on their delivery threads).
    /// </summary>
    public static bool TryDefer(Action continuation, DeliveryThread fallback)
    {
        var pair = t_routing;
        if (pair is null || pair._deferred is not null) return false;
        pair._deferred = continuation;
        pair._fallback = fallback;
        return true;
    }

    /// <summary>Sends a kept consumer to its delivery thread: the holder is about to wait (Wait mode) or to end.</summary>
    public void PostDeferred()
    {
        if (_deferred is not { } continuation) return;
        var fallback = _fallback!;
        _deferred = null;
        _fallback = null;
        fallback.Post(continuation);
    }

    private void Run()
    {
        try
        {
            while (TakeLoop())
            {
                while (true)
                {
                    if (_receiveOne(this) is { } end)
                    {
                        PostDeferred();
                        Finish();
                        _ended.TrySetResult(end);
                        return;
                    }
                    if (_deferred is not { } continuation) continue;
                    _deferred = null;
                    _fallback = null;
                    ReleaseLoop();
                    RunReleased(continuation);
                    break;
                }
            }
        }
        catch (Exception e)
        {
            PostDeferred();
            Finish();
            _ended.TrySetException(e);
        }
    }

    /// <summary>
    /// Runs a consumer's continuation on a thread that no longer holds the loop. Its exceptions belong to its enumeration
    /// (the async machinery catches them there); one that escapes anyway is reported, and must not reach <see cref="Run"/>'s
    /// handler, which ends the connection as its holder would: the partner holds the loop and reads on.
    /// </summary>
    private void RunReleased(Action continuation)
    {
        try
        {
            continuation();
        }
        catch (Exception e)
        {
            _continuationFailed(e);
        }
    }

    /// <summary>Waits until the loop is free and takes it; false once the connection has ended.</summary>
    private bool TakeLoop()
    {
        lock (_gate)
        {
            while (_held && !_done)
            {
                _parked++;
                Monitor.Wait(_gate);
                _parked--;
            }
            if (_done) return false;
            _held = true;
            return true;
        }
    }

    private void ReleaseLoop()
    {
        lock (_gate)
        {
            _held = false;
            if (_parked > 0) Monitor.Pulse(_gate);
        }
    }

    private void Finish()
    {
        lock (_gate)
        {
            _done = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Ends the routing window of <see cref="BeginRouting"/>.</summary>
    public readonly ref struct RoutingScope
    {
        public void Dispose() => t_routing = null;
    }
}
