using System.Collections.Concurrent;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Tests.Simulator;

public sealed class LoggingTests
{
    private sealed class ListLogger(ConcurrentQueue<(LogLevel, string)> sink) : ILogger, ILoggerProvider
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => sink.Enqueue((logLevel, formatter(state, exception) + exception));
        public ILogger CreateLogger(string categoryName) => this;
        public void Dispose() { }
    }

    [Fact]
    public async Task A_session_life_cycle_logs_no_errors_and_no_secrets()
    {
        var logs = new ConcurrentQueue<(LogLevel Level, string Text)>();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new ListLogger(logs)).SetMinimumLevel(LogLevel.Trace));
        string approvalKey;
        // Made-up notices: the paper venue's come only when an order does something.
        await using (var sim = await Sim.StartAsync(o => o with { LoggerFactory = factory, Pace = MarketPace.FlatOut, RandomNotices = true }))
        {
            await using var c = await Sim.ClientAsync(sim);
            approvalKey = c.ApprovalKey!;
            Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
            Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0IFCNI0", SimulatorOptions.DefaultHtsId)).Code);
            await c.NextDataAsync("H0IFCNI0");
            await c.CloseAsync();
            await c.Closed.WaitAsync(SimTestClient.Timeout);
            await Sim.SessionsAsync(sim, s => s.Count == 0);
            await using var d = await Sim.ClientAsync(sim);
            await Sim.SessionsAsync(sim, s => s.Count == 1);
            await sim.Faults.DropConnections();
        }
        Assert.Contains(logs, l => l.Text.Contains("Session 1 connected"));
        Assert.DoesNotContain(logs, l => l.Level >= LogLevel.Error);
        foreach (var (_, text) in logs)
        {
            Assert.DoesNotContain(SimulatorOptions.DefaultAppKey, text);
            Assert.DoesNotContain(SimulatorOptions.DefaultAppSecret, text);
            Assert.DoesNotContain(approvalKey, text);
        }
    }
}
