using System.Threading.Channels;

namespace Kis.Realtime.Internal;

/// <summary>
/// An unpaced replay's records, decoded ahead on a task of their own: the cursor (frame parsing, key filter, typed decode,
/// gap check) fills a batch while the subscriber's loop consumes the one before, so a replay as fast as possible uses a
/// second core for decoding instead of leaving it to the subscriber's thread. A fixed set of batches goes round between
/// the two (like the folder's read-ahead blocks), so the memory held is bounded whatever the recording's size. Used when
/// the records cannot be decoded in parallel (<see cref="ParallelDecodedBatches{T,TDecoder}"/>): an encrypted TR's
/// notices, or <see cref="KisReplayOptions.DecodeWorkers"/> = 1.
/// </summary>
internal sealed class DecodedBatches<T> : IDecodedBatches<T>
{
    /// <summary>Batches in circulation: one being filled, one consumed, two ready.</summary>
    public const int BatchCount = 4;
    /// <summary>
    /// Records a batch holds before it is handed on (a message's records never span two batches): as many as fit in
    /// 64 KB (a StockTrade view is ~500 bytes: 128), between 16 and 512, so no batch lands on the large object heap.
    /// </summary>
    public static readonly int BatchRecords = Math.Clamp(64 * 1024 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), 16, 512);

    private readonly Channel<DecodedBatch<T>> _full = Channel.CreateBounded<DecodedBatch<T>>(new BoundedChannelOptions(BatchCount) { SingleReader = true,
        SingleWriter = true });
    private readonly Channel<DecodedBatch<T>> _free = Channel.CreateBounded<DecodedBatch<T>>(new BoundedChannelOptions(BatchCount) { SingleReader = true,
        SingleWriter = true });

    public DecodedBatches()
    {
        for (var i = 0; i < BatchCount; i++) _free.Writer.TryWrite(new DecodedBatch<T>());
    }

    /// <summary>The subscriber's side: full batches in recording order, then null (or the source's failure) at the end.</summary>
    public async ValueTask<DecodedBatch<T>?> NextAsync(CancellationToken cancellationToken)
    {
        while (await _full.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) // throws the source's failure
            if (_full.Reader.TryRead(out var batch)) return batch;
        return null;
    }

    /// <summary>Gives a consumed batch back to the decoding task.</summary>
    public void Return(DecodedBatch<T> batch)
    {
        // A batch keeps its records' references until overwritten: at most BatchCount × BatchRecords views.
        batch.Count = 0;
        _free.Writer.TryWrite(batch);
    }

    /// <summary>
    /// Runs <paramref name="cursor"/> over <paramref name="messages"/> until they end or <paramref name="cancellationToken"/>
    /// is cancelled (the subscriber stopped), handing on a batch when it is full or when the source has nothing ready
    /// (so a slow source's records are not held back to fill a batch). Owns and disposes the cursor: its counters are
    /// added to the client's before the last batch is handed on, so a replay's statistics are exact once it ends.
    /// </summary>
    public async Task DecodeAsync<TDecoder>(ReplayCursor<T, TDecoder> cursor, IAsyncEnumerable<RecordedMessage> messages,
        CancellationToken cancellationToken)
        where TDecoder : struct, IReplayDecoder<T>
    {
        DecodedBatch<T>? batch = null;
        Exception? failure = null;
        try
        {
            using (cursor)
            {
                await using var source = messages.GetAsyncEnumerator(cancellationToken);
                while (true)
                {
                    var next = source.MoveNextAsync();
                    if (!next.IsCompleted && batch is { Count: > 0 })
                    {
                        await _full.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                        batch = null;
                    }
                    if (!await next.ConfigureAwait(false)) break;
                    batch ??= await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    batch.Count += cursor.Take(source.Current, ref batch.Items, batch.Count); // decoded in place: no copy
                    if (batch.Count < BatchRecords) continue;
                    await _full.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch = null;
                }
            }
        }
        catch (Exception e)
        {
            failure = e; // the subscriber sees the source's failure (a cancellation: nobody reads any more)
        }
        try
        {
            // The records decoded before the end (or a failure of the source) come first.
            if (batch is { Count: > 0 }) await _full.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The subscriber stopped.
        }
        _full.Writer.TryComplete(failure);
    }
}

/// <summary>Decoded records, in their first <see cref="Count"/> slots (a frame of more records grows <see cref="Items"/>).</summary>
internal class DecodedBatch<T>
{
    public T[] Items = new T[DecodedBatches<T>.BatchRecords];
    public int Count;
}

/// <summary>An unpaced replay's decoded records, batch after batch in recording order, on the subscriber's side.</summary>
internal interface IDecodedBatches<T>
{
    /// <summary>The next batch, or null at the end; throws the source's failure after every batch before it.</summary>
    ValueTask<DecodedBatch<T>?> NextAsync(CancellationToken cancellationToken);

    /// <summary>Gives a delivered batch back for reuse.</summary>
    void Return(DecodedBatch<T> batch);
}
