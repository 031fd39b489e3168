using System.Diagnostics;
using System.Globalization;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// The start of a command that streams until <c>--count</c>, <c>--duration</c> or Ctrl+C (<c>stream</c>, <c>record</c>):
/// the session started, and the token that stops the run (the caller's, or the duration's end). Disposing it ends the
/// session.
/// </summary>
internal sealed class ClientRun : IAsyncDisposable
{
    private ClientRun(ClientHost host, CancellationTokenSource stop) => (Host, Stop) = (host, stop);

    public ClientHost Host { get; }

    /// <summary>Cancelled by the caller's token, at the end of <c>--duration</c>, or by the command (count reached, a
    /// writer failed).</summary>
    public CancellationTokenSource Stop { get; }

    /// <summary>
    /// The session from <paramref name="start"/>, or null when Ctrl+C came while connecting: the command is done, and
    /// has said so on <paramref name="status"/> (<see cref="StartOrStoppedAsync{T}"/>).
    /// </summary>
    public static async Task<ClientRun?> StartAsync(Func<Task<ClientHost>> start, TimeSpan? duration, TextWriter status,
        CancellationToken cancellationToken)
    {
        if (await StartOrStoppedAsync(start, status, cancellationToken) is not { } host) return null;
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } limit) stop.CancelAfter(limit);
        return new ClientRun(host, stop);
    }

    /// <summary>
    /// Runs a command's start-up; when Ctrl+C (<paramref name="cancellationToken"/>) ends it, prints the one line every
    /// stop prints and returns null, so Ctrl+C reads the same whenever it comes (exit 0, as after the run).
    /// </summary>
    public static async Task<T?> StartOrStoppedAsync<T>(Func<Task<T>> start, TextWriter status, CancellationToken cancellationToken)
        where T : class
    {
        var started = Stopwatch.StartNew();
        try
        {
            return await start();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await status.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"kisrt: stopped while connecting (after {started.Elapsed.TotalSeconds:0.0} s): nothing received"));
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Stop.Dispose();
    }
}
