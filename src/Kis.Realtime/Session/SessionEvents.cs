using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Session;

/// <summary>
/// The client's events leave the library's locks and threads here: sessions write state changes and drop notices to one
/// channel, one task reads it and raises <see cref="KisRealtimeClient.StateChanged"/> and
/// <see cref="KisRealtimeClient.ItemDropped"/> in order. A slow or blocking handler delays only later events, never a
/// session's receive loop.
/// </summary>
[Experimental("KISRT0001")]
public sealed class SessionEvents
{
    // Items are KisStateChangedEventArgs or a LocalSubscriber with a drop notice queued. At most one notice per subscriber is
    // queued at a time (later drops fold into it as its running total), so a stuck handler cannot grow the queue per drop.
    private readonly Channel<object> _channel = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _dispatcher;
    private static readonly AsyncLocal<bool> InHandler = new();

    public SessionEvents(ILogger logger, Action<KisStateChangedEventArgs> raiseStateChanged, Action<KisDroppedItem> raiseItemDropped)
    {
        _logger = logger;
        _dispatcher = Task.Run(() => DispatchAsync(raiseStateChanged, raiseItemDropped));
    }

    /// <summary>Set when a handler is attached: without one, drops queue nothing.</summary>
    public volatile bool WantsDropNotices;

    /// <summary>Drop notices handed to the handler (each with a subscription's running total); read by tests and diagnostics.</summary>
    public long DropNoticesRaised => Interlocked.Read(ref _dropNoticesRaised);

    private long _dropNoticesRaised;

    public void Publish(KisStateChangedEventArgs e) => _channel.Writer.TryWrite(e);

    /// <summary>A record of <paramref name="subscriber"/> was dropped (already counted): queues a notice unless one is waiting.</summary>
    internal void PublishDropped(LocalSubscriber subscriber)
    {
        if (!WantsDropNotices) return;
        if (Interlocked.Exchange(ref subscriber.DropNoticeQueued, 1) == 0) _channel.Writer.TryWrite(subscriber);
    }

    private async Task DispatchAsync(Action<KisStateChangedEventArgs> raiseStateChanged, Action<KisDroppedItem> raiseItemDropped)
    {
        await foreach (var item in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            InHandler.Value = true;
            if (item is KisStateChangedEventArgs e) Raise("StateChanged", raiseStateChanged, e);
            else if (item is LocalSubscriber s && TakeDropNotice(s) is { } dropped) Raise("ItemDropped", raiseItemDropped, dropped);
        }
    }

    /// <summary>The notice's running total, read as it is raised; null when an earlier notice already reported it.</summary>
    private KisDroppedItem? TakeDropNotice(LocalSubscriber subscriber)
    {
        Volatile.Write(ref subscriber.DropNoticeQueued, 0); // a drop from now on queues a new notice
        var total = Interlocked.Read(ref subscriber.DroppedCount);
        if (total <= subscriber.DropsReported) return null;
        subscriber.DropsReported = total; // written by this dispatcher only
        Interlocked.Increment(ref _dropNoticesRaised);
        return new KisDroppedItem(subscriber.Tr, subscriber.Key, total);
    }

    private void Raise<T>(string name, Action<T> raise, T argument)
    {
        try
        {
            raise(argument);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, name, ex);
        }
    }

    /// <summary>Delivers what is queued, then stops (bounded: a handler that never returns cannot hold up disposal).</summary>
    public async Task CompleteAsync(TimeSpan timeout, TimeProvider time)
    {
        _channel.Writer.TryComplete();
        if (InHandler.Value) return; // disposed from a handler: waiting for the dispatcher would wait for ourselves
        try
        {
            await _dispatcher.WaitAsync(timeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}
