using System.Diagnostics.CodeAnalysis;
using System.Buffers;
using Kis.Realtime.Formatting;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.PostgreSql.Internal;

/// <summary>A raw message as a row: its number in the run and its trading day; <paramref name="Stored"/> for a stored record.</summary>
[Experimental("KISRT0001")]
public readonly record struct RawRow(long Seq, DateOnly Day, string? TrId, RawMessage Message, StoredRecordHeader? Stored = null);

/// <summary>A record as a row: where its bytes are in the batch's record buffer; <paramref name="Key"/> when known (else its first field).</summary>
[Experimental("KISRT0001")]
public readonly record struct RecordRow(long Seq, int Index, DateOnly Day, DateTimeOffset ReceivedAt, int Offset, int Length, string? Key = null);

/// <summary>
/// One transaction's worth of messages, decoded once (a retried batch is written from the same rows): raw rows, and
/// per TR the records of the frames that decode in full (a frame with a bad record gives no typed rows, as in the
/// JSON Lines; its raw message is kept either way).
/// </summary>
[Experimental("KISRT0001")]
public sealed class PostgresBatch
{
    public readonly List<RawRow> Raw = [];
    public readonly Dictionary<TrDefinition, List<RecordRow>> Records = [];
    public readonly ArrayBufferWriter<byte> RecordBytes = new(1 << 20);
    public readonly HashSet<DateOnly> Days = [];

    public int Count => Raw.Count;
    public long Bytes { get; private set; }
    public long RecordCount { get; private set; }
    public long FirstSeq => Raw[0].Seq;
    public long LastSeq => Raw[^1].Seq;

    public void Add(long seq, in QueuedMessage queued, Dictionary<int, FrameDecoder> decoders, ref long decodeErrors)
    {
        var message = queued.Message;
        var day = KoreaTime.DateOf(message.ReceivedAt); // the KST trading day, as the files
        Days.Add(day);
        Bytes += message.Data.Length;
        if (queued.Record is { } stored)
        {
            AddStored(seq, day, message, stored, ref decodeErrors);
            return;
        }
        if (!decoders.TryGetValue(message.SessionIndex, out var decoder)) decoders[message.SessionIndex] = decoder = new FrameDecoder();
        var data = message.Data.Span;
        string? trId = null;
        switch (DataFrame.Classify(data))
        {
            case MessageKind.Control:
                if (ControlMessage.TryParse(data, out var control)) decoder.Learn(control); // notice keys
                else Interlocked.Increment(ref decodeErrors);
                break;
            case MessageKind.Data when DataFrame.TryParse(data, out var frame, out _) && decoder.TryOpen(frame, out var tr, out var records, out _):
                trId = tr.Id;
                if (!Records.TryGetValue(tr, out var rows)) Records[tr] = rows = [];
                var firstRow = rows.Count;
                var added = 0;
                while (records.TryNext(out var record))
                {
                    if (!RecordJson.TryValidate(tr, record, out _))
                    {
                        rows.RemoveRange(firstRow, rows.Count - firstRow); // the whole frame or nothing
                        added = 0;
                        Interlocked.Increment(ref decodeErrors);
                        break;
                    }
                    var offset = RecordBytes.WrittenCount;
                    RecordBytes.Write(record);
                    rows.Add(new RecordRow(seq, records.Index, day, message.ReceivedAt, offset, record.Length));
                    added++;
                }
                RecordCount += added;
                break;
            default:
                Interlocked.Increment(ref decodeErrors);
                break;
        }
        Raw.Add(new RawRow(seq, day, trId, message));
    }

    /// <summary>A record given with its own values (the gateway's): stored as it is, its fields checked, nothing re-framed.</summary>
    private void AddStored(long seq, DateOnly day, in RawMessage message, StoredRecordHeader stored, ref long decodeErrors)
    {
        if (KisTrs.TryGet(stored.TrId, out var tr) && RecordJson.TryValidate(tr, message.Data.Span, out _))
        {
            if (!Records.TryGetValue(tr, out var rows)) Records[tr] = rows = [];
            var offset = RecordBytes.WrittenCount;
            RecordBytes.Write(message.Data.Span);
            rows.Add(new RecordRow(seq, 0, day, message.ReceivedAt, offset, message.Data.Length, stored.TrKey));
            RecordCount++;
        }
        else Interlocked.Increment(ref decodeErrors); // kept in the raw table all the same
        Raw.Add(new RawRow(seq, day, stored.TrId, message, stored));
    }

    public void Clear()
    {
        Raw.Clear();
        foreach (var rows in Records.Values) rows.Clear();
        RecordBytes.ResetWrittenCount();
        Days.Clear();
        Bytes = 0;
        RecordCount = 0;
    }
}
