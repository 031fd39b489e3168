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

    /// <summary>The session from <paramref name="start"/>, or null when Ctrl+C came while connecting (the command is done).</summary>
    public static async Task<ClientRun?> StartAsync(Func<Task<ClientHost>> start, TimeSpan? duration, CancellationToken cancellationToken)
    {
        ClientHost host;
        try
        {
            host = await start();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } limit) stop.CancelAfter(limit);
        return new ClientRun(host, stop);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Stop.Dispose();
    }
}
