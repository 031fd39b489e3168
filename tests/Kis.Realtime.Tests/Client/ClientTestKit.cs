using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Client;

/// <summary>Helpers for client tests against the in-process simulator.</summary>
internal static class ClientTestKit
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(15);

    public static Task<KisSimulator> StartSimAsync(Func<SimulatorOptions, SimulatorOptions>? configure = null)
        => KisSimulator.StartAsync((configure ?? (o => o))(SimulatorOptions.Default with
        {
            // Well above any scheduling delay of a loaded machine: a late PINGPONG echo must not close a session in a
            // test that is not about heartbeats. Tests that need pings set their own interval.
            PingInterval = TimeSpan.FromSeconds(2),
            Seed = 7,
            Pace = MarketPace.PerSecond(50),
            // The client tests read every seed TR, notices included, with no orders placed: made-up notices. The paper
            // venue's tests turn them off (RandomNotices = false), as a user's simulator has them.
            RandomNotices = true,
        }));

    public static KisCredential DefaultCredential => new(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret);

    /// <summary>Client options pointing at the simulator, with test-speed timing.</summary>
    public static KisRealtimeOptions Options(KisSimulator sim, params KisCredential[] credentials) => KisRealtimeOptions.Default with
    {
        Credentials = credentials.Length > 0 ? credentials : [DefaultCredential],
        HtsId = SimulatorOptions.DefaultHtsId,
        WebSocketUrl = sim.WebSocketUrl,
        RestBaseUrl = sim.RestBaseUrl,
        Environment = sim.Options.Profile == SimulatorProfile.Paper ? KisEnvironment.Paper : KisEnvironment.Real,
        SubscribePacing = TimeSpan.FromMilliseconds(2),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        AppKeyInUseRetryDelay = TimeSpan.FromMilliseconds(400),
        // A session silent this long is taken as stalled and reconnects. StartSimAsync's simulator pings every 2 s, so
        // PINGPONGs alone keep a session without data alive; a simulator started otherwise pings every 100 s (KIS's
        // interval), so a test of one whose market goes quiet (an auction at a sped-up clock) sets its PingInterval under
        // half of this (SimulatorSpecialDayTests). Stall tests set a short one.
        LivenessTimeout = TimeSpan.FromSeconds(5),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>
    /// Runs <paramref name="probe"/> on a thread of its own and says whether it finished within the test timeout. For a
    /// probe started from inside a user callback (a logger, an event handler) that then blocks its own thread: a pool
    /// thread (Task.Run) may not be scheduled for seconds on a loaded machine, which looked like a deadlock. A real one
    /// (the callback running under a lock the probe needs) still fails, after <see cref="TestTimeout"/>.
    /// </summary>
    public static bool CompletesOnAnotherThread(Action probe)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { probe(); }
            catch (Exception e) { failure = e; }
        }) { IsBackground = true, Name = "test-probe" };
        thread.Start();
        if (!thread.Join(TestTimeout)) return false;
        if (failure is not null) throw new InvalidOperationException("the probe failed", failure);
        return true;
    }

    /// <summary>Completes with the first state change matching <paramref name="match"/> (subscribe before causing it).</summary>
    public static Task<KisStateChangedEventArgs> NextStateAsync(KisRealtimeClient client, Func<KisStateChangedEventArgs, bool> match)
    {
        var tcs = new TaskCompletionSource<KisStateChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        EventHandler<KisStateChangedEventArgs>? handler = null;
        handler = (_, e) =>
        {
            if (!match(e)) return;
            client.StateChanged -= handler;
            tcs.TrySetResult(e);
        };
        client.StateChanged += handler;
        return tcs.Task.WaitAsync(TestTimeout);
    }

    /// <summary>Waits for a condition on state that raises no event (counters), checking every 10 ms up to the timeout.</summary>
    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(condition, what, TestTimeout);

    /// <summary>As <see cref="UntilAsync(Func{bool}, string)"/>, for what takes longer (a broker restarting).</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(10);
        }
    }

    public static async Task SessionsAsync(KisSimulator sim, Func<IReadOnlyList<SimulatorSessionInfo>, bool> condition)
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await sim.WaitForSessionsAsync(condition, cts.Token);
    }

    /// <summary>Awaits a pending MoveNextAsync that was cancelled (the enumeration then released its registration).</summary>
    public static async Task CancelledAsync(Task<bool> moveNext)
    {
        try
        {
            await moveNext.WaitAsync(TestTimeout);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The next item, or a timeout.</summary>
    public static async Task<T> NextAsync<T>(this IAsyncEnumerator<T> e)
    {
        Assert.True(await e.MoveNextAsync().AsTask().WaitAsync(TestTimeout), "the subscription ended");
        return e.Current;
    }
}

/// <summary>Keeps every formatted log line (to check that no secret is ever logged).</summary>
internal sealed class CapturingLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();
    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(this);
    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter)
            => owner.Lines.Enqueue($"{logLevel} {formatter(state, exception)} {exception}");
    }
}
