using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Kis.Realtime.Internal;

/// <summary>
/// An unpaced replay decoded by several workers at once: typed decoding is most of a replay's work and one core's
/// worth of it caps a single subscription (issue 31, item 15). One task reads the source in order and routes each
/// message (<see cref="ReplayCursor{TOut,TDecoder}.Route"/>: counts, notice keys, TR filter), copying those to decode
/// into a slot; slot i goes to worker i mod N, which decodes it on a cursor of its own; the subscriber takes the slots
/// back in the same rotation, so records arrive in recording order. Gap checks compare each trade with the one before:
/// the workers read the fields, the subscriber's side checks them slot by slot (<see cref="PendingGaps"/>).
/// Only for subscriptions whose TRs are not encrypted: a notice needs the keys learned in order.
/// <para>
/// A fixed set of slots goes round, so the memory held is bounded whatever the recording's size. The source's end or
/// failure travels as a last slot in the rotation, so the subscriber sees it after every record before it.
/// </para>
/// </summary>
internal sealed class ParallelDecodedBatches<T, TDecoder> : IDecodedBatches<T>
    where TDecoder : struct, IReplayDecoder<T>
{
    /// <summary>Slots per worker in circulation: one being filled or decoded, one delivered, one ready.</summary>
    public const int SlotsPerWorker = 3;
    /// <summary>Bytes of messages a slot holds before it is handed on (a longer message gets a slot of its own).</summary>
    public const int SlotBytes = 64 * 1024;

    private readonly Channel<Slot> _free;
    private readonly Channel<Slot>[] _toWorker, _fromWorker;
    private readonly GapChecks _gapChecks;
    private int _next; // the worker whose slot the subscriber takes next

    public ParallelDecodedBatches(int workers, GapChecks gapChecks, bool detectGaps)
    {
        _gapChecks = gapChecks;
        _free = Channel.CreateBounded<Slot>(workers * SlotsPerWorker);
        // Unbounded, yet never holding more than the slots in circulation.
        _toWorker = [.. Enumerable.Range(0, workers).Select(_ => Channel.CreateUnbounded<Slot>(new UnboundedChannelOptions { SingleReader = true,
            SingleWriter = true }))];
        _fromWorker = [.. Enumerable.Range(0, workers).Select(_ => Channel.CreateUnbounded<Slot>(new UnboundedChannelOptions { SingleReader = true,
            SingleWriter = true }))];
        for (var i = 0; i < workers * SlotsPerWorker; i++) _free.Writer.TryWrite(new Slot(detectGaps));
    }

    /// <summary>Messages the source can be read ahead of a subscriber that stopped taking records, at most: every slot full, and the one read that did not
    /// fit.</summary>
    public static int MaxMessagesAhead(int workers) => workers * SlotsPerWorker * DecodedBatches<T>.BatchRecords + 1;

    /// <summary>
    /// Routes <paramref name="messages"/> with <paramref name="router"/> and decodes them with <paramref name="workers"/>
    /// (one cursor each) until they end or <paramref name="cancellationToken"/> is cancelled (the subscriber stopped).
    /// Owns and disposes the cursors: their counters are the client's before the end reaches the subscriber.
    /// </summary>
    public Task RunAsync(ReplayCursor<T, TDecoder> router, ReplayCursor<T, TDecoder>[] workers, IAsyncEnumerable<RecordedMessage> messages,
        CancellationToken cancellationToken) =>
        Task.WhenAll([
            Task.Run(() => RouteAsync(router, messages, cancellationToken), CancellationToken.None),
            .. workers.Select((cursor, i) => Task.Run(() => DecodeAsync(cursor, _toWorker[i].Reader, _fromWorker[i].Writer, cancellationToken),
                CancellationToken.None)),
        ]);

    public async ValueTask<DecodedBatch<T>?> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var from = _fromWorker[_next].Reader;
            // A worker's channel completes without an end slot only when it failed or the replay was stopped.
            if (!await from.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) throw new OperationCanceledException(cancellationToken);
            if (!from.TryRead(out var slot)) continue;
            _next = (_next + 1) % _fromWorker.Length;
            if (slot.IsEnd)
            {
                if (slot.Failure is { } failure) ExceptionDispatchInfo.Throw(failure);
                return null;
            }
            slot.Gaps.CheckAll(_gapChecks); // in recording order: this slot's trades come after the previous slot's
            if (slot.Count > 0) return slot;
            Return(slot);
        }
    }

    public void Return(DecodedBatch<T> batch)
    {
        var slot = (Slot)batch;
        slot.Clear();
        _free.Writer.TryWrite(slot);
    }

    private async Task RouteAsync(ReplayCursor<T, TDecoder> router, IAsyncEnumerable<RecordedMessage> messages, CancellationToken cancellationToken)
    {
        Slot? slot = null;
        Exception? failure = null;
        var sent = 0;
        try
        {
            using (router)
            {
                await using var source = messages.GetAsyncEnumerator(cancellationToken);
                while (true)
                {
                    var next = source.MoveNextAsync();
                    // Nothing ready: hand on what is collected, so a slow source's records are not held back to fill a slot.
                    if (!next.IsCompleted && slot is { MessageCount: > 0 })
                    {
                        sent = Send(slot, sent);
                        slot = null;
                    }
                    if (!await next.ConfigureAwait(false)) break;
                    var message = source.Current;
                    if (!router.Route(message)) continue;
                    slot ??= await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    if (slot.TryAdd(message)) continue;
                    sent = Send(slot, sent);
                    slot = null; // handed on: if the wait below is cancelled, the end must not hand it on a second time
                    slot = await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    slot.Add(message);
                }
            }
        }
        catch (Exception e)
        {
            failure = e; // the subscriber sees the source's failure (a cancellation: nobody reads any more)
        }
        // The records routed before the end (or a failure) come first: the end is the next slot in the rotation.
        if (slot is { MessageCount: > 0 }) sent = Send(slot, sent);
        // (An empty slot taken before a failure is not handed on: the pool is not needed any more.)
        _toWorker[sent % _toWorker.Length].Writer.TryWrite(Slot.End(failure));
        foreach (var channel in _toWorker) channel.Writer.TryComplete();
    }

    private int Send(Slot slot, int sent)
    {
        _toWorker[sent % _toWorker.Length].Writer.TryWrite(slot); // unbounded: never waits
        return sent + 1;
    }

    private static async Task DecodeAsync(ReplayCursor<T, TDecoder> cursor, ChannelReader<Slot> input, ChannelWriter<Slot> output,
        CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            using (cursor)
            {
                while (await input.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (input.TryRead(out var slot))
                    {
                        if (!slot.IsEnd) slot.Decode(cursor);
                        // A slot at a time (the router's count does not pass here): the records the subscriber sees
                        // are counted as received while the replay runs, and every count is in before the end.
                        cursor.FlushCounters();
                        output.TryWrite(slot);
                    }
                }
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        output.TryComplete(failure);
    }

    /// <summary>Messages to decode (copied: the source reuses its buffers) and, once decoded, their records.</summary>
    private sealed class Slot : DecodedBatch<T>
    {
        private readonly RecordedMessage[] _messages = new RecordedMessage[DecodedBatches<T>.BatchRecords];
        private byte[] _bytes = new byte[SlotBytes];
        private int _used;

        public Slot(bool detectGaps) => Gaps = new PendingGaps(detectGaps);

        private Slot(Exception? failure) => (IsEnd, Failure, Gaps) = (true, failure, new PendingGaps(false));

        public static Slot End(Exception? failure) => new(failure);

        public bool IsEnd { get; }
        public Exception? Failure { get; }
        public PendingGaps Gaps { get; }
        public int MessageCount { get; private set; }

        public bool TryAdd(in RecordedMessage message)
        {
            var length = message.Data.Length;
            if (MessageCount == _messages.Length || _used + length > _bytes.Length)
            {
                if (MessageCount > 0) return false;
                _bytes = new byte[length]; // a message longer than a slot: a slot of its own, not kept (Clear)
            }
            message.Data.Span.CopyTo(_bytes.AsSpan(_used));
            _messages[MessageCount++] = message with { Data = _bytes.AsMemory(_used, length) };
            _used += length;
            return true;
        }

        public void Add(in RecordedMessage message)
        {
            if (!TryAdd(message)) throw new InvalidOperationException("An empty slot takes any message.");
        }

        public void Decode(ReplayCursor<T, TDecoder> cursor)
        {
            cursor.PendingGaps = Gaps;
            Count = 0;
            for (var i = 0; i < MessageCount; i++) Count += cursor.TakeRouted(_messages[i], ref Items, Count);
        }

        public void Clear()
        {
            Count = MessageCount = _used = 0;
            Array.Clear(_messages); // the messages' text is the slot's own bytes, but TrId/TrKey strings are not
            if (_bytes.Length > SlotBytes) _bytes = new byte[SlotBytes];
        }
    }
}
