using System.Runtime.InteropServices;

namespace Kis.Realtime.Cli.Hosting;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM, handled from kisrt's first line: each cancels <see cref="Token"/>, which every command
/// runs under, so a stop reads the same whenever it comes (one summary line, exit 0). System.CommandLine's own handler
/// was installed only when a command was invoked: a Ctrl+C in the first second killed the process (exit 130).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    // A stop releases every registration and closes the WebSocket (paced at 100 ms each): a cut-short shutdown is what
    // leaves KIS holding the app key "in use". Past this, the process ends with the shell's code for the signal.
    // KISRT_STOP_GRACE (whole seconds, 10 to 30) shortens it: a process test of a signal's stop need not wait 30 s.
    // (Initialized in this order: Grace's initializer reads the other two.)
    private static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(30), ShortestGrace = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan Grace = GraceFrom(Environment.GetEnvironmentVariable("KISRT_STOP_GRACE"));

    /// <summary>The grace <paramref name="seconds"/> asks for, within 10–30 s; 30 s when unset or not a whole number.</summary>
    internal static TimeSpan GraceFrom(string? seconds) =>
        int.TryParse(seconds, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s)
            ? TimeSpan.FromSeconds(Math.Clamp(s, ShortestGrace.TotalSeconds, DefaultGrace.TotalSeconds))
            : DefaultGrace;

    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _received; // 0, or the first signal's exit code (130 SIGINT, 143 SIGTERM)

    private StopSignals() => _registrations =
    [
        PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
    ];

    public static StopSignals Install() => new();

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _stop.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the command ends itself; the runtime must not end the process now
        var code = context.Signal == PosixSignal.SIGTERM ? 143 : 130;
        if (Interlocked.CompareExchange(ref _received, code, 0) != 0) return; // a second Ctrl+C: the stop is under way
        // Off the signal thread: cancellation runs the commands' callbacks.
        _ = Task.Run(async () =>
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await Task.Delay(Grace).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"kisrt: did not stop within {Grace.TotalSeconds:0} s of the signal; ending now").ConfigureAwait(false);
            Environment.Exit(code);
        });
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _stop.Dispose();
    }
}
