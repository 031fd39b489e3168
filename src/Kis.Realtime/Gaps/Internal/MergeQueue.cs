using System.Threading.Channels;

namespace Kis.Realtime.Internal;

/// <summary>
/// One <see cref="KisMergedClient"/> subscription's way from its sources to the merge: the queue its sources' pumps write
/// to (a null record: that source's subscription ended or failed), the receive order (<see cref="ReceiveOrder"/>) and
/// the wait for the next record or the end of the merge's reorder window. Read by the subscription's one reader.
/// </summary>
internal sealed class MergeQueue
{
    private readonly Channel<(int Source, KisRecord? Record)> _queue;
    private readonly FeedMerge _merge;
    private readonly ReceiveOrder _order;
    private readonly TimeProvider _time;
    private Task<bool>? _waiting;

    public MergeQueue(FeedMerge merge, int sources, int capacity, bool replaying, TimeProvider time)
    {
        _queue = Channel.CreateBounded<(int Source, KisRecord? Record)>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _merge = merge;
        _order = new ReceiveOrder(sources, capacity, replaying);
        _time = time;
    }

    /// <summary>Where the sources' pumps write their records, then a null record when their subscription ends.</summary>
    public ChannelWriter<(int Source, KisRecord? Record)> Writer => _queue.Writer;

    /// <summary>Replaces <paramref name="output"/> with the records whose turn has come: every record queued offered to the
    /// merge, and on the wall clock (live sources) those whose window ended.</summary>
    public void TakeReady(List<KisRecord> output)
    {
        output.Clear();
        while (_queue.Reader.TryRead(out var item))
        {
            var now = _time.GetUtcNow().UtcTicks;
            if (_order.Take(item.Source, item.Record)) continue;
            if (item.Record is null) _merge.SourceEnded(item.Source, now, output); // its subscription ended or failed
            else _merge.Offer(item.Source, item.Record, now, output);
        }
        _order.Release(_merge, output);
        if (!_order.Replaying) _merge.Expire(_time.GetUtcNow().UtcTicks, output);
    }

    /// <summary>Replaces <paramref name="output"/> with every record still held, once every source ended.</summary>
    public void TakeRest(List<KisRecord> output)
    {
        output.Clear();
        _order.Release(_merge, output);
        _merge.Flush(output);
    }

    /// <summary>
    /// Waits for a record or, on the wall clock, for the merge's next window to end: true then, false when every source
    /// ended. Throws <see cref="OperationCanceledException"/> when <paramref name="stop"/> is cancelled.
    /// </summary>
    public async Task<bool> WaitAsync(CancellationToken stop)
    {
        _waiting ??= _queue.Reader.WaitToReadAsync(stop).AsTask();
        if (!_order.Replaying && _merge.NextDeadline is { } deadline)
        {
            var delay = TimeSpan.FromTicks(Math.Max(0, deadline - _time.GetUtcNow().UtcTicks));
            // Its own token: a record arriving first cancels the timer, rather than leave one alive per record.
            using var windowEnd = CancellationTokenSource.CreateLinkedTokenSource(stop);
            await Task.WhenAny(_waiting, Task.Delay(delay, _time, windowEnd.Token)).ConfigureAwait(false);
            if (!_waiting.IsCompleted) return true; // a window ended; the wait for a record goes on
            await windowEnd.CancelAsync().ConfigureAwait(false);
        }
        var waiting = _waiting;
        _waiting = null;
        return await waiting.ConfigureAwait(false);
    }
}
