using System.Collections.Concurrent;
using Kis.Realtime.Session;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary>
/// The session's two receive threads (<see cref="ReceiverPair"/>): the thread that routed a frame hands the socket to its
/// partner and runs a waiting consumer itself. What users depend on: each subscription's records in order, one body at
/// a time, and a connection that ends only for a reason of its own.
/// </summary>
public sealed class ReceiverPairTests
{
    [Fact]
    public async Task A_continuation_that_throws_is_reported_and_the_pair_reads_on_until_the_connection_ends()
    {
        // Frames are strings: "close" ends the connection; every other one is routed, and while a consumer is to be
        // woken, the routing thread is asked to keep it (deferred only when the partner is parked, so retried per frame).
        using var frames = new BlockingCollection<string>();
        var received = 0;
        var failure = new InvalidOperationException("a consumer's continuation threw");
        var ranOn = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reported = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var wake = 1;
        void Throwing()
        {
            ranOn.TrySetResult(Thread.CurrentThread.Name ?? "");
            throw failure;
        }
        var fallback = new DeliveryThread("test-fallback");
        var pair = new ReceiverPair("test-receive-", p =>
        {
            var frame = frames.Take();
            if (frame == "close") return ("closed", false);
            Interlocked.Increment(ref received);
            using (p.BeginRouting())
                if (Volatile.Read(ref wake) == 1 && ReceiverPair.TryDefer(Throwing, fallback)) Volatile.Write(ref wake, 0);
            return null;
        }, e => reported.TrySetResult(e));

        // Until one deferral happened (the partner parks shortly after the start).
        using var feeding = new CancellationTokenSource(TestTimeout);
        while (!ranOn.Task.IsCompleted)
        {
            frames.Add("frame");
            await Task.WhenAny(ranOn.Task, Task.Delay(10, feeding.Token));
        }
        Assert.StartsWith("test-receive-", await ranOn.Task);
        Assert.Same(failure, await reported.Task.WaitAsync(TestTimeout));

        // The pair reads on: every frame after the failure is received, and the connection has not ended.
        var before = Volatile.Read(ref received);
        for (var i = 0; i < 50; i++) frames.Add("frame");
        await UntilAsync(() => Volatile.Read(ref received) == before + 50, "the frames after the failure received");
        Assert.False(pair.Ended.IsCompleted, "the connection ended because a consumer's continuation threw");

        frames.Add("close");
        Assert.Equal(("closed", false), await pair.Ended.WaitAsync(TestTimeout));
        fallback.Stop();
    }

    [Fact]
    public async Task While_the_threads_take_turns_each_subscription_gets_its_records_in_order_one_body_at_a_time()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(2000) });
        await using var client = new KisRealtimeClient(Options(sim) with { DeliveryThreads = 1 });
        using var stop = new CancellationTokenSource(TestTimeout);
        var threads = new ConcurrentDictionary<string, int>();
        var streams = new[] { "0001", "1001", "2001" }.Select(code => Task.Run(async () =>
        {
            var inBody = 0;
            var overlaps = 0;
            var backwards = 0;
            var previous = -1L;
            var seen = 0;
            try
            {
                await foreach (var tick in client.SubscribeIndexTicksAsync(code).WithCancellation(stop.Token))
                {
                    if (Interlocked.Increment(ref inBody) != 1) overlaps++;
                    threads.AddOrUpdate(Thread.CurrentThread.Name ?? "(unnamed)", 1, (_, n) => n + 1);
                    if (tick.CumulativeVolume < previous) backwards++; // the index's volume of the day only grows
                    previous = tick.CumulativeVolume;
                    Interlocked.Decrement(ref inBody);
                    // At least 300 records, and on until both receive threads ran a body: a loaded machine's consumers
                    // fall behind, and a consumer that is not waiting is served by the delivery thread, not handed off.
                    if (++seen >= 300 && BothReceiveThreadsRan()) break;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Timed out: the asserts below say which thread never ran a body.
            }
            return (code, overlaps, backwards);
        })).ToList();
        bool BothReceiveThreadsRan() => threads.Keys.Any(t => t.StartsWith("kis-receive-", StringComparison.Ordinal) && t.EndsWith('a'))
            && threads.Keys.Any(t => t.StartsWith("kis-receive-", StringComparison.Ordinal) && t.EndsWith('b'));
        foreach (var (code, overlaps, backwards) in await Task.WhenAll(streams).WaitAsync(TestTimeout + TimeSpan.FromSeconds(10)))
        {
            Assert.True(overlaps == 0, $"{code}: {overlaps} bodies ran while another body of the same loop ran");
            Assert.True(backwards == 0, $"{code}: {backwards} records went back in accumulated volume");
        }
        // Hand-offs happened: bodies ran on both receive threads, not only on the delivery thread.
        Assert.Contains(threads.Keys, t => t.EndsWith('a') && t.StartsWith("kis-receive-", StringComparison.Ordinal));
        Assert.Contains(threads.Keys, t => t.EndsWith('b') && t.StartsWith("kis-receive-", StringComparison.Ordinal));
        Assert.Equal(0, client.Statistics.Dropped);
        Assert.Equal(0, client.Statistics.DecodeErrors);
    }
}
