using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Kis.Realtime.Session;

/// <summary>
/// The threads that run consumers' <c>await foreach</c> bodies when a record arrives for a consumer that was waiting
/// (<see cref="KisRealtimeOptions.DeliveryThreads"/>). Why not the thread pool: a pool worker that runs out of work
/// spins for tens of microseconds before it sleeps, and at a few records per millisecond every record wakes one and
/// pays that spin (docs/performance.md). These threads sleep at once when their
/// queue is empty. Each enumeration gets one of them (round robin), so its records stay in order and different
/// subscriptions still run in parallel. A consumer woken while the session's other receive thread is free runs on the
/// receive thread instead (<see cref="ReceiverPair"/>): no wake-up on the record's path. The threads start on first use and end when the client is disposed;
/// work
/// posted after that goes to the thread pool, so no consumer is left waiting.
/// <para>
/// A body that blocks (synchronous I/O, <c>.Result</c>, a wait for another subscription's record) would hold every
/// consumer of its thread, and wait for ever when what it waits for is one of them. So a thread whose body has run
/// longer than <see cref="HeldAfter"/> is <em>held</em>: a watchdog hands what is queued on it to the thread pool and
/// new work goes there directly until the body returns. Each consumer has at most one continuation pending, so its
/// records stay in order wherever they run.
/// </para>
/// </summary>
internal sealed class DeliveryThreads : IDisposable
{
    /// <summary>A body running this long holds its thread: its thread's other consumers continue on the thread pool.</summary>
    public static readonly TimeSpan HeldAfter = TimeSpan.FromMilliseconds(50);

    private readonly DeliveryThread?[] _threads;
    private readonly string _name;
    private readonly Lock _gate = new(); // guards _threads, _next, _disposed, _watchdog
    private int _next;
    private bool _disposed;
    private Timer? _watchdog;

    public DeliveryThreads(int count, string name)
    {
        _threads = new DeliveryThread?[count];
        _name = name;
    }

    /// <summary>Consumers' continuations run on the thread pool because their thread was held (tests, diagnostics).</summary>
    public long HandedToPool
    {
        get
        {
            long total = 0;
            foreach (var thread in _threads) total += thread?.HandedToPool ?? 0;
            return total;
        }
    }

    /// <summary>The thread for a new enumeration; null when there are none (the thread pool then runs it).</summary>
    public DeliveryThread? Next()
    {
        if (_threads.Length == 0) return null;
        lock (_gate)
        {
            if (_disposed) return null;
            var index = _next++ % _threads.Length;
            // The watchdog runs only once there are threads (a client with InlineDelivery or 0 threads has none).
            _watchdog ??= new Timer(static state => ((DeliveryThreads)state!).Rescue(), this, HeldAfter, HeldAfter);
            return _threads[index] ??= new DeliveryThread($"{_name}-{index}");
        }
    }

    private void Rescue()
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var thread in _threads) thread?.RescueIfHeld(now);
    }

    public void Dispose()
    {
        DeliveryThread?[] threads;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            threads = _threads;
            _watchdog?.Dispose();
        }
        foreach (var thread in threads) thread?.Stop();
    }
}

/// <summary>One delivery thread: a queue of continuations and a thread that sleeps (no spinning) while it is empty.</summary>
internal sealed class DeliveryThread
{
    private readonly Queue<Action> _queue = new(); // guarded by locking _queue (Monitor: Wait/Pulse need it)
    private static readonly long HeldAfterTicks = (long)(DeliveryThreads.HeldAfter.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
    private readonly Thread _thread;
    private bool _stopped;
    private long _busySince; // Stopwatch timestamp at which the running body started; 0 while idle (written by this thread only)
    private long _handedToPool;

    public long HandedToPool => Interlocked.Read(ref _handedToPool);

    private bool IsHeld(long now)
    {
        var since = Volatile.Read(ref _busySince);
        return since != 0 && now - since > HeldAfterTicks;
    }

    public DeliveryThread(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.UnsafeStart(); // no ExecutionContext: each continuation brings its consumer's own
    }

    /// <summary>True on this thread.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>Runs <paramref name="continuation"/> on this thread (on the thread pool once stopped).</summary>
    public void Post(Action continuation)
    {
        var held = IsHeld(System.Diagnostics.Stopwatch.GetTimestamp());
        lock (_queue)
        {
            if (!_stopped && !held)
            {
                _queue.Enqueue(continuation);
                if (_queue.Count == 1) Monitor.Pulse(_queue);
                return;
            }
        }
        if (held) Interlocked.Increment(ref _handedToPool);
        ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
    }

    /// <summary>The watchdog: when a body holds this thread, what waits behind it goes to the thread pool.</summary>
    public void RescueIfHeld(long now)
    {
        if (!IsHeld(now)) return;
        Action[] waiting;
        lock (_queue)
        {
            if (_queue.Count == 0) return;
            waiting = [.. _queue];
            _queue.Clear();
        }
        Interlocked.Add(ref _handedToPool, waiting.Length);
        foreach (var continuation in waiting) ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
    }

    /// <summary>Waits until <paramref name="reader"/> has a record or is completed, and continues on this thread when
    /// it had to wait (the wake-up came from the receive thread, which must go back to reading) — or on that receive
    /// thread itself once it has handed the socket to its parked partner (<see cref="ReceiverPair"/>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> WaitToReadAsync<T>(ChannelReader<T> reader, CancellationToken cancellationToken)
    {
        var wait = reader.WaitToReadAsync(cancellationToken);
        if (wait.IsCompleted) return await wait.ConfigureAwait(false);
        try
        {
            return await wait.ConfigureAwait(false);
        }
        finally
        {
            await new Hop(this);
        }
    }

    public void Stop()
    {
        Action[] left;
        lock (_queue)
        {
            _stopped = true;
            left = [.. _queue];
            _queue.Clear();
            Monitor.Pulse(_queue);
        }
        foreach (var continuation in left) ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
    }

    private void Run()
    {
        while (true)
        {
            Action continuation;
            lock (_queue)
            {
                while (_queue.Count == 0)
                {
                    if (_stopped) return;
                    Monitor.Wait(_queue);
                }
                continuation = _queue.Dequeue();
            }
            // A consumer's body: its exceptions belong to its enumeration (the async machinery catches them there).
            Volatile.Write(ref _busySince, System.Diagnostics.Stopwatch.GetTimestamp());
            continuation();
            Volatile.Write(ref _busySince, 0);
        }
    }

    /// <summary>Awaiting it continues on the delivery thread (at once when already there).</summary>
    private readonly struct Hop(DeliveryThread thread) : ICriticalNotifyCompletion
    {
        public Hop GetAwaiter() => this;
        public bool IsCompleted => thread.IsCurrent;
        public void GetResult() { }
        public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

        // Woken on a receive thread whose partner is free: that thread runs it at once (no wake-up on the record's path).
        public void UnsafeOnCompleted(Action continuation)
        {
            if (!ReceiverPair.TryDefer(continuation, thread)) thread.Post(continuation);
        }
    }
}
