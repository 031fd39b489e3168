using System.Diagnostics;
using Kis.Realtime.Simulator;
using Kis.Realtime.Transport;
using Microsoft.Extensions.Logging;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary>
/// What a user's code (a logger, an event handler) or a peer that stops reading can hold up: never the client's locks,
/// never a session's receive loop (issue 22, defects a and f).
/// </summary>
public sealed class ClientLockingTests
{
    /// <summary>
    /// A server that accepts the connection and then reads nothing: once the socket's buffers are full a request's write
    /// blocks (up to the 10 s send timeout). That write must hold no lock other subscriptions need.
    /// </summary>
    [Fact]
    public async Task A_server_that_stops_reading_holds_up_no_other_subscription()
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = ScriptedKisServer.Start(c =>
        {
            c.ShrinkReceiveBuffer(4096);
            return stop.Task; // never reads, never answers
        });
        server.ApprovalKeyPadding = 16 * 1024; // every request carries the approval key: ~16 KB each
        var client = new KisRealtimeClient(ScriptedPeerTests.OptionsFor(server) with
        {
            MaxRegistrationsPerSession = 10_000,
            SubscribePacing = TimeSpan.Zero,
            RequestTimeout = TimeSpan.FromSeconds(60),
            SubscriptionCapacity = 2,
            CloseTimeout = TimeSpan.FromMilliseconds(200),
        });
        try
        {
            await client.ConnectAsync().WaitAsync(TestTimeout);

            // ~16 KB a request: 500 fill the socket's buffers (at most 4 MB + the server's, shrunk) twice over.
            const int count = 500;
            var enumerators = new List<IAsyncEnumerator<KisRecord>>(count);
            var waiting = new List<Task<bool>>(count);
            var started = Stopwatch.StartNew();
            var starting = Task.Run(() =>
            {
                for (var i = 0; i < count; i++)
                {
                    var e = client.SubscribeRecordsAsync(KisTrs.StockTrades, i.ToString("D6")).GetAsyncEnumerator();
                    enumerators.Add(e);
                    waiting.Add(e.MoveNextAsync().AsTask()); // starts the subscription; no reply ever comes
                }
            });
            // Before the fix the loop blocked inside the client's placement lock for the whole send timeout (10 s).
            // The bound is just under that send timeout, the most a loaded machine can be given here.
            var bound = WebSocketConnection.SendTimeout - TimeSpan.FromSeconds(1);
            var finished = await Task.WhenAny(starting, Task.Delay(bound)) == starting;
            Assert.True(finished, $"starting {count} subscriptions took longer than {bound.TotalSeconds:0} s ({started.Elapsed.TotalSeconds:0.0} s so far): " +
                $"something waits on the blocked write");
            await starting;
            Assert.All(waiting, t => Assert.False(t.IsCompleted && t.Result, "no subscription can have a record"));
        }
        finally
        {
            stop.TrySetResult();
            await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>The user's logger runs under no library lock: from inside it, another thread can read the state and subscribe.</summary>
    [Fact]
    public async Task The_state_change_is_logged_outside_the_client_locks()
    {
        await using var sim = await StartSimAsync();
        KisRealtimeClient? client = null;
        var probed = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var logger = new ProbingLoggerProvider(line =>
        {
            if (client is null || probed.Task.IsCompleted || !line.Contains("Connecting", StringComparison.Ordinal)) return;
            // Another thread: a lock this thread holds would block it. Bounded, so a regression fails rather than hangs.
            var unblocked = CompletesOnAnotherThread(() =>
            {
                _ = client.State;
                var e = client.SubscribeIndexTicksAsync("1001").GetAsyncEnumerator();
                _ = e.MoveNextAsync(); // placed on a session (the placement lock) before it returns
            });
            probed.TrySetResult(unblocked ? null : "another thread could not read the state or subscribe while the logger ran");
        });
        using var factory = LoggerFactory.Create(b => b.AddProvider(logger).SetMinimumLevel(LogLevel.Trace));
        client = new KisRealtimeClient(Options(sim) with { LoggerFactory = factory });
        await using (client)
        {
            await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
            await ticks.NextAsync();
            Assert.Null(await probed.Task.WaitAsync(TestTimeout));
        }
    }

    /// <summary>A slow <see cref="KisRealtimeClient.ItemDropped"/> handler holds up neither the session nor the other subscriptions.</summary>
    [Fact]
    public async Task A_slow_drop_handler_never_runs_on_the_receive_thread_nor_stalls_the_session()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.FlatOut });
        await using var client = new KisRealtimeClient(Options(sim) with { SubscriptionCapacity = 4, FullMode = KisFullMode.DropOldest });
        var release = new ManualResetEventSlim();
        var threads = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        var lastTotals = new Dictionary<string, long>();
        long calls = 0;
        var increasing = true;
        client.ItemDropped += d =>
        {
            threads.Enqueue(Thread.CurrentThread.Name);
            if (d.DroppedBySubscription <= lastTotals.GetValueOrDefault(d.TrKey)) increasing = false; // handlers run one at a time
            lastTotals[d.TrKey] = d.DroppedBySubscription;
            Interlocked.Increment(ref calls);
            release.Wait(TimeSpan.FromSeconds(10)); // a handler that takes its time
        };
        var slow = client.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001"); // never read after its first record: it drops
        await using var dropping = slow.GetAsyncEnumerator();
        await dropping.NextAsync();
        await UntilAsync(() => Interlocked.Read(ref calls) >= 1, "the first drop event");

        // The handler is blocked: records must still arrive and reach a subscription that keeps up.
        var before = client.Statistics.RecordsReceived;
        await using var other = client.SubscribeIndexTicksAsync("1001").GetAsyncEnumerator();
        for (var i = 0; i < 50; i++) await other.NextAsync();
        await UntilAsync(() => client.Statistics.RecordsReceived > before + 500, "records while the drop handler is blocked", TimeSpan.FromSeconds(5));
        release.Set();

        await UntilAsync(() => Interlocked.Read(ref calls) >= 3, "more drop events once the handler returns");
        Assert.True(slow.Dropped > 500);
        Assert.DoesNotContain(threads, name => name is not null && name.StartsWith("kis-receive", StringComparison.Ordinal));
        Assert.True(increasing, "each drop event carries a larger running total than the one before");
    }

    private sealed class ProbingLoggerProvider(Action<string> onLine) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Probe(onLine);
        public void Dispose() { }

        private sealed class Probe(Action<string> onLine) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => onLine(formatter(state, exception));
        }
    }
}
