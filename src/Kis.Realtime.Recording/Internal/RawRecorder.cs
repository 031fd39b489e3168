using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Threading.Channels;
using Kis.Realtime.Formatting;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Internal;

/// <summary>How <see cref="RawRecorder"/> batches, syncs and bounds its queue.</summary>
/// <param name="QueueLimitBytes">Message bytes the queue may hold before the session is made to wait (back-pressure).</param>
/// <param name="BatchBytes">A batch is handed to the OS once this many bytes are pending (or the queue is empty).</param>
/// <param name="SyncInterval">Written files are fsynced at most this long after their first unsynced write.</param>
[Experimental("KISRT0001")]
public sealed record RecorderLimits(long QueueLimitBytes, int BatchBytes, TimeSpan SyncInterval)
{
    public static RecorderLimits Default { get; } = new(64L << 20, 256 << 10, TimeSpan.FromSeconds(1));
}

/// <summary>
/// The durable file writer of <c>kisrt record</c>. <see cref="DrainAsync"/> moves every message from the client's
/// raw tap into the writers' queues at once (so the library's own unbounded tap buffer stays near empty), and
/// <see cref="WriteAsync"/> writes raw lines and decoded JSON Lines in batches of at most
/// <see cref="RecorderLimits.BatchBytes"/>, each handed to the OS before the next starts.
/// <para>
/// Counted as written only after the batch's write(2) calls returned: what <see cref="WrittenRecords"/> says is in the
/// OS page cache and survives this process being killed. Files are fsynced at most <see cref="RecorderLimits.SyncInterval"/>
/// after they were written, on day rotation and at exit; <see cref="SyncedRecords"/> says what survives a power loss.
/// </para>
/// <para>
/// Memory: <see cref="Queue"/> holds at most <see cref="RecorderLimits.QueueLimitBytes"/> plus what the session receives
/// before its back-pressure takes hold (the subscriptions' buffers) or while it stops. See <see cref="RecordQueue"/>.
/// </para>
/// </summary>
[Experimental("KISRT0001")]
public sealed class RawRecorder(string directory, RecorderLimits limits, Action<string>? notice = null)
{
    /// <summary>The raw file's name inside each day folder (readable by <c>kisrt decode</c> and <c>kisrt sim --replay</c>).</summary>
    public const string RawFileName = "raw.log";

    private long _writtenRecords, _writtenMessages, _syncedRecords, _syncedMessages, _decodeErrors;
    private int _tornLines;

    /// <summary>What the writer has not written yet; its limit holds the session back.</summary>
    public RecordQueue Queue { get; } = new(limits.QueueLimitBytes);

    public long WrittenRecords => Interlocked.Read(ref _writtenRecords);
    public long WrittenMessages => Interlocked.Read(ref _writtenMessages);
    public long SyncedRecords => Interlocked.Read(ref _syncedRecords);
    public long SyncedMessages => Interlocked.Read(ref _syncedMessages);
    public long DecodeErrors => Interlocked.Read(ref _decodeErrors);
    public int TornLinesIsolated => Volatile.Read(ref _tornLines);
    public RecorderLimits Limits => limits;

    /// <summary>Moves every message of the raw tap into <paramref name="queues"/> until the tap ends; never blocks the tap.</summary>
    /// <remarks>Takes the enumerator, not the enumerable: the tap opens with <c>GetAsyncEnumerator</c>, which the caller
    /// does before subscribing so that no reply or frame is missed.</remarks>
    public static async Task DrainAsync(IAsyncEnumerator<RawMessage> raw, params RecordQueue[] queues)
    {
        try
        {
            await using (raw.ConfigureAwait(false))
                while (await raw.MoveNextAsync().ConfigureAwait(false))
                    foreach (var queue in queues) queue.Enqueue(raw.Current);
            foreach (var queue in queues) queue.Complete();
        }
        catch (Exception e)
        {
            foreach (var queue in queues) queue.Complete(e);
            throw;
        }
    }

    /// <summary>
    /// Writes the queue to <c>DIR/yyyy-MM-dd/raw.log</c> and <c>DIR/yyyy-MM-dd/TR_ID.jsonl</c> until it completes.
    /// <paramref name="onWritten"/> runs after each batch is handed to the OS (e.g. to stop at a count).
    /// </summary>
    public async Task WriteAsync(Action? onWritten = null)
    {
        var files = new DailyFiles(directory, notice);
        var decoders = new Dictionary<int, FrameToJson>(); // notice keys are per session
        var reader = Queue.Reader;
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
                Queue.Release(bytes);
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
            Queue.Release(0, all: true); // nobody waits for a writer that has stopped
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
    private async Task<bool> WaitForDataOrSyncDeadlineAsync(ChannelReader<QueuedMessage> reader, long unsyncedSince)
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
        RawMessageLine.Write(files.For(RawRecorder.RawFileName, m.ReceivedAt), m.ReceivedAt, message);
        if (!decoders.TryGetValue(m.SessionIndex, out var decoder)) decoders[m.SessionIndex] = decoder = new FrameToJson();
        var receivedAt = m.ReceivedAt;
        var outcome = decoder.Decode(message, tr => files.For(tr.Id + ".jsonl", receivedAt), out _,
            receivedAt: m.ReceivedAt, keyFromFirstField: true);
        if (outcome == FrameToJson.Outcome.Error) Interlocked.Increment(ref _decodeErrors);
        return outcome == FrameToJson.Outcome.Records ? decoder.LastRecordCount : 0;
    }
}
