using System.Threading.Channels;

namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>A frame the send loop writes before any data (null: only wakes the loop). <see cref="Done"/> completes when it
/// is written or let go; <see cref="CloseAfter"/> ends the session once written.</summary>
internal readonly record struct ControlFrame(byte[]? Frame, TaskCompletionSource? Done = null, bool CloseAfter = false,
    bool IsFaultFrame = false, bool IsPing = false);

/// <summary>
/// A session's control frames (replies, pongs, pings, close frames, raw fault and replay frames) in the order they are
/// queued: many writers, the send loop the one reader. A raw frame's caller waits for it; once the send loop ends
/// (<see cref="CompleteAndRelease"/>) nothing more is queued and every wait still open completes.
/// </summary>
internal sealed class ControlFrameQueue
{
    private readonly Channel<ControlFrame> _channel = Channel.CreateUnbounded<ControlFrame>(new UnboundedChannelOptions { SingleReader = true });
    private int _rawQueued;

    /// <summary>Raw frames queued and not yet written or released (tests: a stalled session holds them).</summary>
    public int QueuedRawFrames => Volatile.Read(ref _rawQueued);

    public void Enqueue(byte[] frame, bool closeAfter = false, bool isPing = false) =>
        _channel.Writer.TryWrite(new ControlFrame(frame, CloseAfter: closeAfter, IsPing: isPing));

    /// <summary>Wakes the send loop with nothing to write (it looks at its state again).</summary>
    public void Wake() => _channel.Writer.TryWrite(new ControlFrame(null));

    /// <summary>Queues a raw frame; completes when written, or (without writing) when the send loop has ended or ends first.</summary>
    public Task QueueRaw(byte[] frame, bool isFault, CancellationToken ct)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Fails once the send loop has ended (it completes the writer before its final drain): nobody would write it.
        Interlocked.Increment(ref _rawQueued);
        if (!_channel.Writer.TryWrite(new ControlFrame(frame, done, IsFaultFrame: isFault)))
        {
            Interlocked.Decrement(ref _rawQueued);
            done.TrySetResult();
        }
        return ct.CanBeCanceled ? done.Task.WaitAsync(ct) : done.Task;
    }

    public bool TryRead(out ControlFrame item) => _channel.Reader.TryRead(out item);

    public ValueTask<bool> WaitToReadAsync(CancellationToken ct) => _channel.Reader.WaitToReadAsync(ct);

    /// <summary>The send loop wrote (or let go) <paramref name="item"/>: its caller, if any, stops waiting.</summary>
    public void Done(in ControlFrame item)
    {
        if (item.Done is null) return;
        Interlocked.Decrement(ref _rawQueued);
        item.Done.TrySetResult();
    }

    /// <summary>
    /// The send loop ended: anyone awaiting a queued frame (fault injection, replay) must not hang on a dead session.
    /// Closed first, so a later <see cref="QueueRaw"/> fails its write (and completes at once) instead of waiting
    /// forever for a loop that is gone, then everything already queued is released.
    /// </summary>
    public void CompleteAndRelease()
    {
        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out var left)) Done(left);
    }
}
