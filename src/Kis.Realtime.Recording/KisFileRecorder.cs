using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>How <see cref="KisFileRecorder"/> writes. Start from <see cref="Default"/>.</summary>
public sealed record KisFileRecorderOptions
{
    /// <summary>fsync at most a second after writing, batches of 256 KiB (what <c>kisrt record</c> does).</summary>
    public static KisFileRecorderOptions Default { get; } = new();

    /// <summary>Written files are fsynced at most this long after they were written (and on day rotation and at the end).</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Bytes handed to the OS in one batch.</summary>
    public int BatchBytes { get; init; } = 256 << 10;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is not positive.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SyncInterval, TimeSpan.Zero, nameof(SyncInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchBytes, 1024, nameof(BatchBytes));
    }
}

/// <summary>What a recording wrote: every figure counts what was handed to the OS (and fsynced at the end).</summary>
/// <param name="Messages">Raw messages written to <c>raw.log</c>.</param>
/// <param name="Records">Records written to the per-TR JSON Lines files.</param>
/// <param name="DecodeErrors">Records that could not be decoded (kept in <c>raw.log</c>, not in JSON Lines).</param>
/// <param name="TornLinesIsolated">Lines torn by an earlier run that was killed, moved to <c>NAME.torn</c>.</param>
public sealed record KisFileRecording(long Messages, long Records, long DecodeErrors, int TornLinesIsolated);

/// <summary>
/// Records every message of a source — a <see cref="KisRealtimeClient"/> or anything else that is an
/// <see cref="IKisRawMessageSource"/> — into the folder layout of <c>kisrt record --out</c>: <c>DIR/yyyy-MM-dd/raw.log</c>
/// (each message as received, with its receive time) and <c>DIR/yyyy-MM-dd/TR.jsonl</c> (decoded), per KST trading day,
/// files readable by their owner only. <see cref="KisRecordingFolder"/> replays the folder through
/// <c>KisReplayClient</c>.
/// <code>
/// var recording = KisFileRecorder.RecordAsync(client, "recordings", cancellationToken: stop.Token); // before subscribing
/// await foreach (var trade in client.SubscribeStockTradesAsync("005930", cancellationToken: stop.Token)) { … }
/// var written = await recording;
/// </code>
/// </summary>
public static class KisFileRecorder
{
    /// <summary>
    /// Records until <paramref name="cancellationToken"/> is cancelled or the source ends (a disposed client), then
    /// writes and fsyncs what was received and returns what was written. Start it before subscribing: the subscribe
    /// replies carry the keys that decrypt notices. The tap never drops and never holds the session back, so the queue
    /// grows while the disk is slower than the feed.
    /// </summary>
    /// <param name="source">The source of raw messages; buffering starts when this method is called.</param>
    /// <param name="directory">The recording folder (created if missing; days already in it are appended to).</param>
    /// <param name="options">How to write; null for <see cref="KisFileRecorderOptions.Default"/>.</param>
    /// <param name="cancellationToken">Ends the recording (not an error).</param>
    /// <exception cref="IOException">Writing failed (e.g. a full disk): what was written is whole lines.</exception>
    public static async Task<KisFileRecording> RecordAsync(IKisRawMessageSource source, string directory,
        KisFileRecorderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= KisFileRecorderOptions.Default;
        options.Validate();

        var recorder = new RawRecorder(directory, RecorderLimits.Default with { BatchBytes = options.BatchBytes, SyncInterval = options.SyncInterval });
        // The tap opens with the enumerator, here, before the first await: nothing received from now on is missed.
        var messages = source.ReadRawMessagesAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var writer = Task.Run(() => recorder.WriteAsync(), CancellationToken.None);
        try
        {
            await using (messages.ConfigureAwait(false))
                while (await messages.MoveNextAsync().ConfigureAwait(false))
                    recorder.Queue.Enqueue(messages.Current);
            recorder.Queue.Complete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            recorder.Queue.Complete(); // stopping is not a failure: write what was received
        }
        catch (Exception e)
        {
            recorder.Queue.Complete(e);
            try { await writer.ConfigureAwait(false); } catch { /* the source's failure is the one reported */ }
            throw;
        }
        await writer.ConfigureAwait(false);
        return new KisFileRecording(recorder.WrittenMessages, recorder.WrittenRecords, recorder.DecodeErrors, recorder.TornLinesIsolated);
    }
}
