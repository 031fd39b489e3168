using System.Diagnostics;
using System.Threading.Channels;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Formatting;

namespace Kis.Realtime.Cli.IO;

/// <summary>How <see cref="RawRecorder"/> batches, syncs and bounds its queue.</summary>
/// <param name="QueueLimitBytes">Message bytes the queue may hold before the session is made to wait (back-pressure).</param>
/// <param name="BatchBytes">A batch is handed to the OS once this many bytes are pending (or the queue is empty).</param>
/// <param name="SyncInterval">Written files are fsynced at most this long after their first unsynced write.</param>
internal sealed record RecorderLimits(long QueueLimitBytes, int BatchBytes, TimeSpan SyncInterval)
{
    public static RecorderLimits Default { get; } = new(64L << 20, 256 << 10, TimeSpan.FromSeconds(1));
}

/// <summary>
/// The durable core of <c>kisrt record</c>. Two loops: <see cref="DrainAsync"/> moves every message from the client's
/// raw tap into the recorder's queue at once (so the library's own unbounded tap buffer stays near empty), and
/// <see cref="WriteAsync"/> writes raw lines and decoded JSON Lines in batches of at most
/// <see cref="RecorderLimits.BatchBytes"/>, each handed to the OS before the next starts.
/// <para>
/// Counted as written only after the batch's write(2) calls returned: what <see cref="WrittenRecords"/> says is in the
/// OS page cache and survives this process being killed. Files are fsynced at most <see cref="RecorderLimits.SyncInterval"/>
/// after they were written, on day rotation and at exit; <see cref="SyncedRecords"/> says what survives a power loss.
/// </para>
/// <para>
/// Memory: the queue holds at most <see cref="RecorderLimits.QueueLimitBytes"/> plus what the session receives while
/// stopping. A recorder must not drop, so a full queue blocks instead: <see cref="WaitForRoomAsync"/>, awaited for every
/// record by the subscription pumps (in <see cref="KisFullMode.Wait"/>), holds them until the queue is down to half, the
/// subscriptions' small buffers fill, and the session stops reading its socket, so the back-pressure reaches TCP and
/// KIS. Every wait is counted and timed (<see cref="Waits"/>, <see cref="WaitedTime"/>) and shown in the status line.
/// </para>
/// </summary>
internal sealed class RawRecorder(string directory, RecorderLimits limits, Action<string>? notice = null)
{
    private readonly Channel<RawMessage> _queue = Channel.CreateUnbounded<RawMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Lock _roomGate = new();
    private TaskCompletionSource? _room; // guarded by _roomGate, with _roomClosedAt
    private long _roomClosedAt;
    private long _queuedBytes, _peakQueuedBytes, _waits, _waitedTicks;
    private long _writtenRecords, _writtenMessages, _syncedRecords, _syncedMessages, _decodeErrors;
    private int _tornLines;

    public long WrittenRecords => Interlocked.Read(ref _writtenRecords);
    public long WrittenMessages => Interlocked.Read(ref _writtenMessages);
    public long SyncedRecords => Interlocked.Read(ref _syncedRecords);
    public long SyncedMessages => Interlocked.Read(ref _syncedMessages);
    public long DecodeErrors => Interlocked.Read(ref _decodeErrors);
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);
    public long PeakQueuedBytes => Interlocked.Read(ref _peakQueuedBytes);
    /// <summary>Times the queue reached its limit and held the session back.</summary>
    public long Waits => Interlocked.Read(ref _waits);
    /// <summary>Total time the session was held back (a wait still under way is not included yet).</summary>
    public TimeSpan WaitedTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _waitedTicks));
    public int TornLinesIsolated => Volatile.Read(ref _tornLines);
    public RecorderLimits Limits => limits;

    /// <summary>Moves every message of the raw tap into the queue until the tap ends; never blocks the tap.</summary>
    public async Task DrainAsync(IAsyncEnumerable<RawMessage> raw)
    {
        try
        {
            await foreach (var message in raw.ConfigureAwait(false))
            {
                var queued = Interlocked.Add(ref _queuedBytes, message.Data.Length);
                if (queued > Interlocked.Read(ref _peakQueuedBytes)) Interlocked.Exchange(ref _peakQueuedBytes, queued); // one writer
                _queue.Writer.TryWrite(message); // unbounded: the bound is kept by WaitForRoomAsync
            }
            _queue.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _queue.Writer.TryComplete(e);
            throw;
        }
    }

    /// <summary>Completes at once while the queue is under its limit; otherwise when it is down to half (counted).</summary>
    public ValueTask WaitForRoomAsync(CancellationToken cancellationToken) =>
        Interlocked.Read(ref _queuedBytes) <= limits.QueueLimitBytes ? ValueTask.CompletedTask : WaitSlowAsync(cancellationToken);

    private async ValueTask WaitSlowAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource room;
        lock (_roomGate)
        {
            if (Interlocked.Read(ref _queuedBytes) <= limits.QueueLimitBytes) return;
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

    private void Release(long bytes, bool all)
    {
        var queued = Interlocked.Add(ref _queuedBytes, -bytes);
        TaskCompletionSource? room = null;
        lock (_roomGate)
        {
            if (_room is not null && (all || queued <= limits.QueueLimitBytes / 2))
            {
                room = _room;
                _room = null;
                Interlocked.Add(ref _waitedTicks, Stopwatch.GetTimestamp() - _roomClosedAt);
            }
        }
        room?.TrySetResult();
    }

    /// <summary>
    /// Writes the queue to <c>DIR/yyyy-MM-dd/raw.log</c> and <c>DIR/yyyy-MM-dd/TR_ID.jsonl</c> until it completes.
    /// <paramref name="onWritten"/> runs after each batch is handed to the OS (e.g. to stop at a count).
    /// </summary>
    public async Task WriteAsync(Action? onWritten = null)
    {
        var files = new DailyFiles(directory, notice);
        var decoders = new Dictionary<int, FrameToJson>(); // notice keys are per session
        var reader = _queue.Reader;
        var unsyncedSince = 0L; // timestamp of the first write after the last sync; 0 when all is synced
        try
        {
            while (true)
            {
                if (!reader.TryPeek(out _))
                {
                    if (unsyncedSince != 0 && !await WaitForDataOrSyncDeadlineAsync(reader, unsyncedSince).ConfigureAwait(false))
                    {
                        Sync(files);
                        unsyncedSince = 0;
                        continue;
                    }
                    if (!await reader.WaitToReadAsync().ConfigureAwait(false)) break;
                }

                // One batch: raw lines first, then their decoded records, until the batch is full or the queue empty.
                long bytes = 0, messages = 0, records = 0;
                while (files.PendingBytes < limits.BatchBytes && reader.TryRead(out var message))
                {
                    records += Write(message, files, decoders);
                    bytes += message.Data.Length;
                    messages++;
                }
                files.Commit();
                Interlocked.Add(ref _writtenMessages, messages);
                Interlocked.Add(ref _writtenRecords, records);
                Volatile.Write(ref _tornLines, files.TornLinesIsolated);
                Release(bytes, all: false);
                if (unsyncedSince == 0) unsyncedSince = Stopwatch.GetTimestamp();
                else if (Stopwatch.GetElapsedTime(unsyncedSince) >= limits.SyncInterval)
                {
                    Sync(files);
                    unsyncedSince = 0;
                }
                onWritten?.Invoke();
            }
            await reader.Completion.ConfigureAwait(false); // a failed drain fails the recording
        }
        catch
        {
            files.Abandon(); // a failing disk is reported by this exception, not by another from a last sync
            throw;
        }
        finally
        {
            Release(0, all: true); // nobody waits for a writer that has stopped
            foreach (var d in decoders.Values) d.Dispose();
        }
        files.Dispose(); // commits and syncs everything
        Interlocked.Exchange(ref _syncedMessages, WrittenMessages);
        Interlocked.Exchange(ref _syncedRecords, WrittenRecords);
    }

    private void Sync(DailyFiles files)
    {
        var messages = WrittenMessages;
        var records = WrittenRecords;
        files.Sync();
        Interlocked.Exchange(ref _syncedMessages, messages);
        Interlocked.Exchange(ref _syncedRecords, records);
    }

    /// <summary>True when data arrived (or the queue completed) before the sync deadline; false when it is time to sync.</summary>
    private async Task<bool> WaitForDataOrSyncDeadlineAsync(ChannelReader<RawMessage> reader, long unsyncedSince)
    {
        var remaining = limits.SyncInterval - Stopwatch.GetElapsedTime(unsyncedSince);
        if (remaining <= TimeSpan.Zero) return false;
        using var deadline = new CancellationTokenSource(remaining);
        try
        {
            await reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return false;
        }
    }

    private int Write(in RawMessage m, DailyFiles files, Dictionary<int, FrameToJson> decoders)
    {
        var message = m.Data.Span;
        RawMessageLine.Write(files.For(RecordCommand.RawFileName, m.ReceivedAt), m.ReceivedAt, message);
        if (!decoders.TryGetValue(m.SessionIndex, out var decoder)) decoders[m.SessionIndex] = decoder = new FrameToJson();
        var receivedAt = m.ReceivedAt;
        var outcome = decoder.Decode(message, tr => files.For(tr.Id + ".jsonl", receivedAt), out _,
            receivedAt: m.ReceivedAt, keyFromFirstField: true);
        if (outcome == FrameToJson.Outcome.Error) Interlocked.Increment(ref _decodeErrors);
        return outcome == FrameToJson.Outcome.Records ? decoder.LastRecordCount : 0;
    }
}
