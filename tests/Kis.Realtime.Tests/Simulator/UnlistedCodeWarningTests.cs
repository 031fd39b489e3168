using System.Collections.Concurrent;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.WebSockets;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 76 (4): an unlisted code subscribed makes the simulator log a warning naming listed codes, as
/// docs/simulator.md says: once per code, at most <see cref="UnlistedCodeWarnings.PerMinute"/> a minute.
/// </summary>
public sealed class UnlistedCodeWarningTests
{
    private sealed class Warnings : ILogger, ILoggerProvider
    {
        public readonly ConcurrentQueue<string> Lines = new();
        public event Action? Logged;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            Lines.Enqueue(formatter(state, exception));
            Logged?.Invoke();
        }

        public ILogger CreateLogger(string categoryName) => this;
        public void Dispose() { }
    }

    [Fact]
    public async Task Each_unlisted_code_is_warned_about_once_naming_listed_codes()
    {
        var warnings = new Warnings();
        using var factory = new LoggerFactory([warnings]);
        var lastTwo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        warnings.Logged += () =>
        {
            if (warnings.Lines.Count(l => l.Contains("777777", StringComparison.Ordinal) || l.Contains("666666", StringComparison.Ordinal)) == 2)
                lastTwo.TrySetResult();
        };
        var second = new SimulatorCredential("PSsecondKey000000000", "second-secret", "second01");
        await using var sim = await Sim.StartAsync(o => o with
        {
            LoggerFactory = factory, Pace = MarketPace.PerSecond(20), Credentials = [.. o.Credentials, second],
        });
        await using var c1 = await Sim.ClientAsync(sim);
        // KIS allows one session per app key: the second session is another key's.
        await using var c2 = await SimTestClient.ConnectAsync(sim, "/", await sim.IssueApprovalKeyAsync(second.AppKey, second.AppSecret));
        foreach (var (client, tr, key) in new[] { (c1, "H0STCNT0", "999999"), (c1, "H0STASP0", "999999"), (c1, "H0STCNT0", "888888"),
            (c2, "H0STCNT0", "999999"), (c1, "H0STCNT0", "777777"), (c2, "H0STCNT0", "666666") })
            Assert.Equal(OpspCode.SubscribeSuccess, (await client.RequestAsync(tr, key)).Code);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c1.RequestAsync("H0STCNT0", "005930")).Code); // listed: no warning

        // A session handles its requests in order: when the last of each session is logged, so are those before it.
        await lastTwo.Task.WaitAsync(SimTestClient.Timeout);
        var lines = warnings.Lines.ToList();
        Assert.Equal(4, lines.Count);
        Assert.Single(lines, l => l.Contains("999999", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("888888", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains("no market lists this code", l, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Matches(@"listed codes include \d{6}, \d{6}", l));
        Assert.All(lines, l => Assert.Contains("`kisrt sim --list`", l, StringComparison.Ordinal));
        Assert.Equal(6, sim.Counters.UnlistedSubscriptions); // every one is counted
    }

    [Fact]
    public void Past_the_rate_codes_are_counted_and_the_next_warning_says_how_many()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 30, 1, 0, 0, TimeSpan.Zero));
        var warnings = new UnlistedCodeWarnings(clock);
        for (var i = 0; i < UnlistedCodeWarnings.PerMinute; i++)
        {
            Assert.True(warnings.TryWarn($"9{i:D5}", out var unnamed));
            Assert.Equal(0, unnamed);
        }
        Assert.False(warnings.TryWarn("900000", out _)); // warned before
        Assert.False(warnings.TryWarn("800001", out _)); // past the rate
        Assert.False(warnings.TryWarn("800002", out _));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(warnings.TryWarn("800003", out _));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(warnings.TryWarn("800001", out var since));
        Assert.Equal(3, since);
        Assert.False(warnings.TryWarn("800001", out _));
    }
}
