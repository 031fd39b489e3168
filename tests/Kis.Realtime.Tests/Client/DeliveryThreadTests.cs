using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary>
/// Where consumers' loop bodies run: the session reads on two threads of its own that take turns; a waiting consumer
/// continues on the receive thread that routed its record when the other one is free to read on (no wake-up on the
/// record's path), else on one of the client's delivery threads (not the thread pool, whose workers spin before they
/// sleep); on the receive thread with inline delivery, or on the pool with <c>DeliveryThreads = 0</c>.
/// </summary>
public sealed class DeliveryThreadTests
{
    [Fact]
    public async Task By_default_a_waiting_consumer_continues_on_the_client_s_own_threads_and_inline_on_the_receive_thread()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var pooled = new KisRealtimeClient(Options(sim));
        Assert.Equal(Math.Min(Environment.ProcessorCount, 4), pooled.Options.DeliveryThreads);
        Assert.All(await LastBodyThreadsAsync(pooled), n => Assert.Matches("^kis-(delivery|receive)-", n));

        await using var sim2 = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) }); // one session per app key
        await using var inline = new KisRealtimeClient(Options(sim2) with { InlineDelivery = true });
        Assert.All(await LastBodyThreadsAsync(inline), n => Assert.StartsWith("kis-receive-", n, StringComparison.Ordinal));
    }

    [Fact]
    public async Task By_default_a_waiting_consumer_continues_on_the_receive_thread_that_routed_its_record()
    {
        // The hop to a delivery thread costs a wake-up on the record's path (docs/performance.md, Client).
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var client = new KisRealtimeClient(Options(sim));
        using var stop = new CancellationTokenSource(TestTimeout);
        var onReceiveThread = 0;
        var seen = 0;
        await Task.Run(async () =>
        {
            await foreach (var _ in client.SubscribeIndexTicksAsync("0001").WithCancellation(stop.Token))
            {
                if (Thread.CurrentThread.Name?.StartsWith("kis-receive-", StringComparison.Ordinal) == true) onReceiveThread++;
                // Until most bodies ran there (a frame routed while the other receive thread was briefly awake goes to
                // a delivery thread, so not every one does).
                if (++seen >= 30 && onReceiveThread > seen / 2) break;
            }
        });
        Assert.True(onReceiveThread > seen / 2, $"{onReceiveThread} of {seen} bodies ran on a receive thread");
    }

    [Fact]
    public async Task A_body_that_blocks_on_a_receive_thread_does_not_hold_up_receiving()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var client = new KisRealtimeClient(Options(sim) with { DeliveryThreads = 1 });
        using var release = new ManualResetEventSlim();
        using var stop = new CancellationTokenSource(TestTimeout);
        var blocked = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = Task.Run(async () =>
        {
            await foreach (var _ in client.SubscribeIndexTicksAsync("0001").WithCancellation(stop.Token))
            {
                var name = Thread.CurrentThread.Name ?? "";
                if (!name.StartsWith("kis-receive-", StringComparison.Ordinal)) continue;
                blocked.TrySetResult(name);
                release.Wait(stop.Token); // a synchronous wait on the thread that was reading the socket
                break;
            }
        });
        var blockedOn = await blocked.Task.WaitAsync(TestTimeout);
        var received = 0;
        var threads = new HashSet<string>();
        try
        {
            // Same session, and the one delivery thread: only the other receive thread can read these.
            await foreach (var _ in client.SubscribeIndexTicksAsync("1001").WithCancellation(stop.Token))
            {
                threads.Add(Thread.CurrentThread.Name ?? "(unnamed)");
                if (++received == 20) break;
            }
        }
        finally
        {
            release.Set();
        }
        Assert.Equal(20, received);
        Assert.DoesNotContain(blockedOn, threads);
        await blocker.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task With_no_delivery_threads_bodies_run_on_the_thread_pool()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var client = new KisRealtimeClient(Options(sim) with { DeliveryThreads = 0 });
        var onPool = 0;
        var seen = 0;
        // Enumerate from a pool thread: xunit's own threads are not pool threads, and under load every record can be
        // buffered before the first MoveNextAsync, so the bodies would all run on the thread that started the loop.
        // From a pool thread, a body on any other thread (the receive thread) fails the count.
        await Task.Run(async () =>
        {
            await foreach (var _ in client.SubscribeIndexTicksAsync("0001").WithCancellation(new CancellationTokenSource(TestTimeout).Token))
            {
                if (Thread.CurrentThread.IsThreadPoolThread) onPool++;
                if (++seen == 20) break;
            }
        });
        Assert.Equal(seen, onPool);
    }

    [Fact]
    public async Task A_body_that_blocks_holds_only_the_subscriptions_of_its_own_delivery_thread()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var client = new KisRealtimeClient(Options(sim) with { DeliveryThreads = 2 });
        using var release = new ManualResetEventSlim();
        using var stop = new CancellationTokenSource(TestTimeout);
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Round robin: the first enumeration gets thread 0, the second thread 1.
        var blocker = Task.Run(async () =>
        {
            await foreach (var _ in client.SubscribeIndexTicksAsync("0001").WithCancellation(stop.Token))
            {
                blocked.TrySetResult();
                release.Wait(stop.Token); // a synchronous wait: holds its delivery thread
                break;
            }
        });
        await blocked.Task.WaitAsync(TestTimeout);
        var received = 0;
        try
        {
            await foreach (var _ in client.SubscribeIndexTicksAsync("1001").WithCancellation(stop.Token))
                if (++received == 20) break;
        }
        finally
        {
            release.Set();
        }
        Assert.Equal(20, received);
        await blocker.WaitAsync(TestTimeout);
    }

    /// <summary>
    /// Issue 31 (1): with the default options, a body that blocks until another subscription of the client has a record
    /// waited for ever when that subscription shared its delivery thread (round robin over at most 4). A held delivery
    /// thread now hands its waiting consumers to the thread pool, so such a program completes.
    /// </summary>
    [Fact]
    public async Task A_body_that_blocks_until_other_subscriptions_deliver_completes_with_the_default_options()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var client = new KisRealtimeClient(Options(sim));
        Assert.False(client.Options.InlineDelivery);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // One more other subscription than there can be delivery threads: one of them shares the blocking body's thread.
        string[] others = ["0002", "0003", "1001", "2001", "0004"];
        var counts = new long[others.Length];
        var readers = others.Select((key, i) => Task.Run(async () =>
        {
            await foreach (var _ in client.SubscribeIndexTicksAsync(key).WithCancellation(stop.Token)) Interlocked.Increment(ref counts[i]);
        })).ToArray();
        await UntilAsync(() => counts.All(c => Interlocked.Read(ref c) > 0), "every other subscription delivering");

        var waited = await Task.Run(async () =>
        {
            await foreach (var _ in client.SubscribeIndexTicksAsync("0001").WithCancellation(stop.Token))
            {
                var before = counts.Select(c => Interlocked.Read(ref c)).ToArray();
                // A synchronous wait (as .Result or blocking I/O would be) for a record of every other subscription.
                return SpinWait.SpinUntil(() => counts.Select((c, i) => Interlocked.Read(ref counts[i]) > before[i]).All(x => x), TimeSpan.FromSeconds(20));
            }
            return false;
        });
        stop.Cancel();
        await Task.WhenAll(readers.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        Assert.True(waited, "a subscription sharing the blocked body's delivery thread never delivered");
    }

    /// <summary>
    /// Issue 31 (1), the mechanism: a body on a delivery thread blocks until a consumer queued behind it on the same
    /// thread has run. Before, that consumer waited for the body and the body for it: for ever. Now the held thread's
    /// queue goes to the thread pool.
    /// </summary>
    [Fact]
    public async Task A_body_blocked_on_a_consumer_of_its_own_delivery_thread_is_not_a_deadlock()
    {
        using var threads = new Kis.Realtime.Session.DeliveryThreads(1, "kis-test-delivery");
        var thread = threads.Next()!;
        using var behindRan = new ManualResetEventSlim();
        var blockedBodyFinished = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        thread.Post(() =>
        {
            thread.Post(behindRan.Set); // a consumer woken while this body runs: queued on the same thread
            blockedBodyFinished.SetResult(behindRan.Wait(TimeSpan.FromSeconds(20))); // a synchronous wait for it
        });
        Assert.True(await blockedBodyFinished.Task.WaitAsync(TimeSpan.FromSeconds(30)), "the consumer behind the blocked body never ran");
        Assert.Equal(1, threads.HandedToPool);
    }

    [Fact]
    public async Task Disposing_the_client_ends_an_enumeration_waiting_for_its_next_record()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.Off });
        var client = new KisRealtimeClient(Options(sim));
        await client.ConnectAsync().WaitAsync(TestTimeout);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = Task.Run(async () =>
        {
            await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
            var next = ticks.MoveNextAsync(); // nothing comes: the simulator's market is off
            started.TrySetResult();
            try
            {
                return await next;
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or KisConnectionException)
            {
                return false;
            }
        });
        await started.Task.WaitAsync(TestTimeout);
        await client.DisposeAsync().AsTask().WaitAsync(TestTimeout);
        Assert.False(await consumer.WaitAsync(TestTimeout));
    }

    [Fact]
    public void Delivery_threads_out_of_range_are_refused()
    {
        var options = KisRealtimeOptions.Default with { Credentials = [new KisCredential("key", "secret")], DeliveryThreads = -1 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new KisRealtimeClient(options));
        Assert.Equal("DeliveryThreads", e.ParamName);
    }

    /// <summary>
    /// For three subscriptions, the name of the thread that ran the 30th loop body. Until a consumer first waits its
    /// bodies run where it started; once it waited it stays where it was resumed (these bodies never await).
    /// </summary>
    private static async Task<string[]> LastBodyThreadsAsync(KisRealtimeClient client)
    {
        using var stop = new CancellationTokenSource(TestTimeout);
        var streams = new[] { "0001", "1001", "2001" }.Select(code => Task.Run(async () =>
        {
            var seen = 0;
            await foreach (var _ in client.SubscribeIndexTicksAsync(code).WithCancellation(stop.Token))
                if (++seen == 30) return Thread.CurrentThread.Name ?? "(unnamed)";
            return "(ended)";
        })).ToList();
        return await Task.WhenAll(streams).WaitAsync(TestTimeout);
    }
}
