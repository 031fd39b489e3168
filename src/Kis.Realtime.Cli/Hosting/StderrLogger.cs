using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Cli.Hosting;

/// <summary>
/// The library's log on standard error, one line per event (<c>kisrt: warn: …</c>), so reconnects, refused requests
/// and approval-key outages are visible by default. The level is <c>--log-level</c> (default warning).
/// </summary>
internal sealed class StderrLoggerProvider(TextWriter writer, LogLevel minimum) : ILoggerProvider
{
    private readonly Lock _gate = new();
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213", Justification = "The caller's writer (standard error): the caller owns it")]
    private readonly TextWriter _writer = writer;
    private readonly LogLevel _minimum = minimum;

    /// <summary>Parses <c>--log-level</c>: trace, debug, information (info), warning (warn), error, critical, none.</summary>
    public static LogLevel ParseLevel(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "warning" or "warn" => LogLevel.Warning,
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "information" or "info" => LogLevel.Information,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "none" or "off" => LogLevel.None,
        _ => throw new Configuration.CliUsageException($"--log-level must be trace, debug, information, warning, error, critical or none, not '{text}'."),
    };

    /// <summary>
    /// A logger factory writing to <paramref name="writer"/> from <paramref name="minimum"/> up. Made directly, not with
    /// <c>LoggerFactory.Create</c>: that builds a dependency-injection container, whose assemblies and compiled code
    /// stayed resident in every kisrt for a factory with one provider.
    /// </summary>
    public static ILoggerFactory CreateFactory(TextWriter writer, LogLevel minimum) =>
        new LoggerFactory([new StderrLoggerProvider(writer, minimum)], new LoggerFilterOptions { MinLevel = minimum });

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(StderrLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= owner._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"kisrt: {Label(logLevel)}: {formatter(state, exception)}";
            if (exception is not null && logLevel >= LogLevel.Error) line += $" ({exception.GetType().Name}: {exception.Message})";
            // One writer shared by every session's thread: whole lines, never interleaved.
            lock (owner._gate) owner._writer.WriteLine(line);
        }
    }

    private static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        _ => "critical",
    };
}
