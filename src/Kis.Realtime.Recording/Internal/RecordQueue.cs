using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Threading.Channels;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Internal;

/// <summary>
/// A stored record's own values (from a record sink such as the gateway's): the queued message's data is then the
/// record's plain fields, not a KIS message, and is stored as it is, without re-framing or parsing.
/// </summary>
/// <param name="TrId">The TR id.</param>
/// <param name="TrKey">The key.</param>
/// <param name="SourceRun">The run of the process that received it (the gateway run).</param>
/// <param name="SourceSeq">Its number per TR key in that run.</param>
[Experimental("KISRT0001")]
public sealed record StoredRecordHeader(string TrId, string TrKey, string SourceRun, long SourceSeq);

/// <summary>What a <see cref="RecordQueue"/> holds: a message as received, or a stored record (<see cref="Record"/> set).</summary>
[Experimental("KISRT0001")]
public readonly record struct QueuedMessage(RawMessage Message, StoredRecordHeader? Record = null)
{
    public DateTimeOffset ReceivedAt => Message.ReceivedAt;
    public int SessionIndex => Message.SessionIndex;
    public ReadOnlyMemory<byte> Data => Message.Data;

    public static implicit operator RawMessage(in QueuedMessage queued) => queued.Message;
}

/// <summary>
/// The queue between the client's raw tap and one writer (files or PostgreSQL). Enqueuing never blocks: that would
/// only move the backlog into the library's own unbounded tap. The bound is kept by back-pressure instead:
/// <see cref="WaitForRoomAsync"/>, awaited by the subscription pumps for every record (in <see cref="KisFullMode.Wait"/>),
/// holds them while more than <see cref="LimitBytes"/> are queued, until the writer has brought it down to half. The
/// subscriptions' small buffers then fill and the session stops reading its socket: TCP carries the back-pressure to
/// KIS. A recorder must not drop, so it waits; every wait is counted and timed.
/// </summary>
[Experimental("KISRT0001")]
public sealed class RecordQueue(long limitBytes)
{
    private readonly Channel<QueuedMessage> _channel = Channel.CreateUnbounded<QueuedMessage>(new UnboundedChannelOptions { SingleReader = true,
        SingleWriter = true });
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

    public ChannelReader<QueuedMessage> Reader => _channel.Reader;

    /// <summary>Queues a message (one producer).</summary>
    public void Enqueue(in RawMessage message) => Enqueue(new QueuedMessage(message));

    /// <summary>Queues a message or a stored record (one producer).</summary>
    public void Enqueue(in QueuedMessage message)
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
