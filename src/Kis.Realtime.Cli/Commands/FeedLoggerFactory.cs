using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// A/B feeds: a session's loggers without its own gap lines (event 2401), which name no feed and cannot say whether the
/// other feed covered the gap; the merged client logs each feed's gaps with both (event 2404). Everything else passes.
/// </summary>
internal sealed class FeedLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private const int SessionGapLine = 2401;

    public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The host owns and disposes the factory this wraps.
    }

    private sealed class Logger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != SessionGapLine) inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
