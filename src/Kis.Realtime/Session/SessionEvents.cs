using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Session;

/// <summary>
/// State changes leave the library's locks and threads here: sessions write them to a channel, one task reads it and
/// raises <see cref="KisRealtimeClient.StateChanged"/> in order. A slow or blocking handler delays only later events,
/// never a session.
/// </summary>
internal sealed class SessionEvents
{
    private readonly Channel<KisStateChangedEventArgs> _channel =
        Channel.CreateUnbounded<KisStateChangedEventArgs>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _dispatcher;
    private static readonly AsyncLocal<bool> InHandler = new();

    public SessionEvents(ILogger logger, Action<KisStateChangedEventArgs> raise)
    {
        _logger = logger;
        _dispatcher = Task.Run(() => DispatchAsync(raise));
    }

    public void Publish(KisStateChangedEventArgs e) => _channel.Writer.TryWrite(e);

    private async Task DispatchAsync(Action<KisStateChangedEventArgs> raise)
    {
        await foreach (var e in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                InHandler.Value = true;
                raise(e);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, "StateChanged", ex);
            }
        }
    }

    /// <summary>Delivers what is queued, then stops (bounded: a handler that never returns cannot hold up disposal).</summary>
    public async Task CompleteAsync(TimeSpan timeout, TimeProvider time)
    {
        _channel.Writer.TryComplete();
        if (InHandler.Value) return; // disposed from a StateChanged handler: waiting for the dispatcher would wait for ourselves
        try
        {
            await _dispatcher.WaitAsync(timeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}
