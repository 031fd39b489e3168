using System.Diagnostics;
using System.Threading.Channels;

namespace Kis.Realtime.Recording;

/// <summary>
/// The queue between the client's raw tap and one writer (files or PostgreSQL). Enqueuing never blocks: that would
/// only move the backlog into the library's own unbounded tap. The bound is kept by back-pressure instead:
/// <see cref="WaitForRoomAsync"/>, awaited by the subscription pumps for every record (in <see cref="KisFullMode.Wait"/>),
/// holds them while more than <see cref="LimitBytes"/> are queued, until the writer has brought it down to half. The
/// subscriptions' small buffers then fill and the session stops reading its socket: TCP carries the back-pressure to
/// KIS. A recorder must not drop, so it waits; every wait is counted and timed.
/// </summary>
internal sealed class RecordQueue(long limitBytes)
{
    private readonly Channel<RawMessage> _channel = Channel.CreateUnbounded<RawMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Lock _roomGate = new();
    private TaskCompletionSource? _room; // guarded by _roomGate, with _roomClosedAt
    private long _roomClosedAt;
    private long _queuedBytes, _peakBytes, _waits, _waitedTicks;

    public long LimitBytes => limitBytes;
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);
    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>Times the queue reached its limit and held the session back.</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>Total time the session was held back (a wait still under way is not included yet).</summary>
    public TimeSpan WaitedTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _waitedTicks));

    public ChannelReader<RawMessage> Reader => _channel.Reader;

    /// <summary>Queues a message (one producer).</summary>
    public void Enqueue(in RawMessage message)
    {
        var queued = Interlocked.Add(ref _queuedBytes, message.Data.Length);
        if (queued > Interlocked.Read(ref _peakBytes)) Interlocked.Exchange(ref _peakBytes, queued); // one producer
        _channel.Writer.TryWrite(message);
    }

    /// <summary>No more messages; with an error, the writer fails with it.</summary>
    public void Complete(Exception? error = null) => _channel.Writer.TryComplete(error);

    /// <summary>Completes at once while the queue is under its limit; otherwise when it is down to half (counted).</summary>
    public ValueTask WaitForRoomAsync(CancellationToken cancellationToken) =>
        Interlocked.Read(ref _queuedBytes) <= limitBytes ? ValueTask.CompletedTask : WaitSlowAsync(cancellationToken);

    private async ValueTask WaitSlowAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource room;
        lock (_roomGate)
        {
            if (Interlocked.Read(ref _queuedBytes) <= limitBytes) return;
            if (_room is null)
            {
                // One wait episode however many pumps take part in it: counted and timed from here to the release.
                _room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _roomClosedAt = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref _waits);
            }
            room = _room;
        }
        await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The writer is done with <paramref name="bytes"/>; with <paramref name="all"/>, every waiter goes (the writer stopped).</summary>
    public void Release(long bytes, bool all = false)
    {
        var queued = Interlocked.Add(ref _queuedBytes, -bytes);
        TaskCompletionSource? room = null;
        lock (_roomGate)
        {
            if (_room is not null && (all || queued <= limitBytes / 2))
            {
                room = _room;
                _room = null;
                Interlocked.Add(ref _waitedTicks, Stopwatch.GetTimestamp() - _roomClosedAt);
            }
        }
        room?.TrySetResult();
    }
}
