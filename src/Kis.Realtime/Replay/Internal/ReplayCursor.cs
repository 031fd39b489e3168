using System.Text;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Internal;

/// <summary>
/// Turns one plain record into what a subscription yields; false when it does not decode (counted by the cursor). A
/// struct, so the cursor is compiled for each decoder and the call is direct (no delegate per record).
/// </summary>
internal interface IReplayDecoder<TOut>
{
    /// <summary>Whether records of <paramref name="tr"/> decode at all (asked once per frame).</summary>
    bool Decodes(TrDefinition tr);

    bool TryDecode(TrDefinition tr, DateTimeOffset receivedAt, ReadOnlySpan<byte> record, out TOut value, out DecodeError error);
}

/// <summary>A typed view, decoded in place.</summary>
internal readonly struct TypedReplayDecoder<T> : IReplayDecoder<T> where T : struct, IKisRecord<T>
{
    public bool Decodes(TrDefinition tr) => T.Trs.Contains(tr);

    public bool TryDecode(TrDefinition tr, DateTimeOffset receivedAt, ReadOnlySpan<byte> record, out T value, out DecodeError error) =>
        T.TryDecode(tr, record, out value, out error);
}

/// <summary>A typed view, decoded in place, with its receive time.</summary>
internal readonly struct ReceivedReplayDecoder<T> : IReplayDecoder<KisReceived<T>> where T : struct, IKisRecord<T>
{
    public bool Decodes(TrDefinition tr) => T.Trs.Contains(tr);

    public bool TryDecode(TrDefinition tr, DateTimeOffset receivedAt, ReadOnlySpan<byte> record, out KisReceived<T> value, out DecodeError error)
    {
        var ok = T.TryDecode(tr, record, out var decoded, out error);
        value = new KisReceived<T>(decoded, receivedAt);
        return ok;
    }
}

/// <summary>The record's plain fields, copied, with its receive time.</summary>
internal readonly struct RawReplayDecoder(string key) : IReplayDecoder<KisRecord>
{
    public bool Decodes(TrDefinition tr) => true;

    public bool TryDecode(TrDefinition tr, DateTimeOffset receivedAt, ReadOnlySpan<byte> record, out KisRecord value, out DecodeError error)
    {
        error = default;
        value = new KisRecord(tr, key, receivedAt, record.ToArray());
        return true;
    }
}

/// <summary>
/// One subscription's reading of a recording: its own pass over the source from the start of the replay's first day,
/// learning notice keys from the recorded replies of every session, keeping the records of its TRs and key that fall
/// between From and To. Not thread-safe: one per enumeration. Deterministic: what it yields depends only on the
/// recording, the subscription and the options, never on other subscriptions or timing.
/// <para>
/// Built for a replay as fast as possible: the records of a message are decoded straight into <see cref="Batch"/>
/// (no copy through a list), and the counters are the cursor's own, added to the client's every
/// <see cref="CountersFlushInterval"/> messages, before a paced wait (<see cref="FlushCounters"/>) and at the end, so
/// the client's statistics are at most that many messages behind a running cursor and exact once it ends.
/// </para>
/// </summary>
internal sealed class ReplayCursor<TOut, TDecoder>(KisReplayClient owner, IReadOnlySet<string> trIds, string key, TDecoder decoder) : IDisposable
    where TDecoder : struct, IReplayDecoder<TOut>
{
    /// <summary>Messages read between two additions of the cursor's counters to the client's.</summary>
    public const int CountersFlushInterval = 1024;

    private readonly Dictionary<int, FrameDecoder> _decoders = new(); // notice keys are per session
    private readonly byte[] _key = Encoding.UTF8.GetBytes(key);
    private readonly bool _keyIgnoresCase = IgnoresCase(trIds); // HTS IDs route regardless of case, as in a live session
    private readonly TrId[] _trIds = [.. trIds.Select(TrId.Parse)]; // packed: a frame of another TR costs integer compares
    private readonly DateTimeOffset _from = owner.Options.From ?? DateTimeOffset.MinValue;
    private readonly DateTimeOffset _to = owner.Options.To ?? DateTimeOffset.MaxValue;
#pragma warning disable IDE0044 // a mutable struct: readonly would make the compiler copy it at every call
    private TDecoder _decoder = decoder;
#pragma warning restore IDE0044
    private TOut[] _batch = new TOut[1];
    private TrDefinition? _lastTr;
    private bool _lastTrDecodes;
    private GapCheck? _lastGapCheck;
    private int _lastSession = -1;
    private FrameDecoder? _lastDecoder;
    private LocalCounters _counters;

    /// <summary>The TRs this cursor keeps: the one asked for and its paper/real counterpart, as a recording may hold either.</summary>
    public IReadOnlySet<string> TrIds => trIds;

    /// <summary>
    /// Set on a parallel decoding worker's cursor: the gap fields of each decoded trade go here, for the checks to see
    /// the trades in recording order on the subscriber's side, instead of being checked by this cursor.
    /// </summary>
    public PendingGaps? PendingGaps { get; set; }

    /// <summary>Whether this cursor's messages can be decoded by workers in any order: none of its TRs is encrypted (notices need the keys learned in
    /// order).</summary>
    public bool DecodesInParallel => trIds.All(id => KisTrs.TryGet(id, out var tr) && !tr.Encrypted);

    /// <summary>The records of the last <see cref="Take(in RecordedMessage)"/>, in its first <c>count</c> slots; valid until the next call.</summary>
    public TOut[] Batch => _batch;

    /// <summary>Counts a record handed to the subscriber.</summary>
    public void Delivered() => _counters.Delivered++;

    /// <summary>Decodes into <see cref="Batch"/> the records of one message that this subscription receives; returns how many.</summary>
    public int Take(in RecordedMessage message) => Take(message, ref _batch, 0);

    /// <summary>
    /// Decodes the records of one message that this subscription receives into <paramref name="target"/> from slot
    /// <paramref name="start"/> (growing it when a frame holds more); returns how many.
    /// </summary>
    public int Take(in RecordedMessage message, ref TOut[] target, int start) =>
        RouteAndParse(message, out var frame) ? TakeParsed(message, frame, ref target, start) : 0; // the frame parsed once

    /// <summary>
    /// The part of <see cref="Take(in RecordedMessage, ref TOut[], int)"/> that must see every message in order: counts
    /// it, learns notice keys from replies, and tells whether it is a frame (or stored record) of this cursor's TRs,
    /// which <see cref="TakeRouted"/> then decodes — on this cursor, or on a worker's when decoding runs in parallel.
    /// </summary>
    public bool Route(in RecordedMessage message) => RouteAndParse(message, out _);

    private bool RouteAndParse(in RecordedMessage message, out DataFrame frame)
    {
        frame = default;
        _counters.Messages++;
        _counters.Bytes += message.Data.Length;
        if (++_counters.Pending == CountersFlushInterval) FlushCounters();
        if (message.IsStoredRecord)
        {
            _counters.Frames++;
            return message.TrId is not null && trIds.Contains(message.TrId);
        }

        var data = message.Data.Span;
        switch (DataFrame.Classify(data))
        {
            case MessageKind.Control:
                _counters.Controls++;
                if (ControlMessage.TryParse(data, out var control)) DecoderOf(message.Session).Learn(control);
                else Undecodable(message.Source, new DecodeError(DecodeErrorKind.BadControlMessage), null);
                return false;
            case MessageKind.Data:
                _counters.Frames++;
                break;
            default:
                Undecodable(message.Source, new DecodeError(data.IsEmpty ? DecodeErrorKind.Empty : DecodeErrorKind.UnknownMessage), null);
                return false;
        }

        if (!DataFrame.TryParse(data, out frame, out var frameError)) { Undecodable(message.Source, frameError, null); return false; }
        return Array.IndexOf(_trIds, frame.TrId) >= 0; // else another subscription's TR
    }

    /// <summary>Decodes a message <see cref="Route"/> kept (see <see cref="Take(in RecordedMessage, ref TOut[], int)"/>).</summary>
    public int TakeRouted(in RecordedMessage message, ref TOut[] target, int start)
    {
        DataFrame frame = default;
        if (!message.IsStoredRecord) DataFrame.TryParse(message.Data.Span, out frame, out _); // routed: it parses
        return TakeParsed(message, frame, ref target, start);
    }

    private int TakeParsed(in RecordedMessage message, in DataFrame frame, ref TOut[] target, int start)
    {
        if (message.IsStoredRecord)
        {
            if (!KisTrs.TryGet(message.TrId!, out var storedTr)) return 0;
            _counters.RecordsRead++;
            if (!string.Equals(message.TrKey, key, _keyIgnoresCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)
                || !InWindow(message.ReceivedAt))
            {
                _counters.NotDelivered++;
                return 0;
            }
            if (target.Length == start) Array.Resize(ref target, Math.Max(1, start * 2));
            return Decode(storedTr, message.ReceivedAt, message.Source, message.Data.Span, target, start) - start;
        }

        if (!DecoderOf(message.Session).TryOpen(frame, out var tr, out var records, out var openError))
        {
            Undecodable(message.Source, openError, tr, frame.TrId.ToString()); // tr: null for an unknown TR id
            return 0;
        }
        _counters.RecordsRead += frame.RecordCount;
        if (target.Length < start + frame.RecordCount) Array.Resize(ref target, Math.Max(start + frame.RecordCount, target.Length * 2));
        var inWindow = InWindow(message.ReceivedAt);
        var count = start;
        while (records.TryNext(out var record))
        {
            // A record's key is one of its fields (TRs whose records carry none are kept whole: KeyField -1).
            if (!inWindow || (tr.KeyField >= 0 && !IsKey(FieldReader.FieldAt(record, tr.KeyField)))) { _counters.NotDelivered++; continue; }
            count = Decode(tr, message.ReceivedAt, message.Source, record, target, count);
        }
        return count - start;
    }

    /// <summary>Adds the cursor's counters to the client's (before a paced wait, so a waiting replay's statistics are exact).</summary>
    public void FlushCounters()
    {
        owner.Counters.Add(_counters.Messages, _counters.Bytes, _counters.Frames, _counters.Controls, _counters.RecordsRead,
            _counters.Delivered, _counters.NotDelivered, _counters.DecodeErrors);
        _counters = default;
    }

    private bool InWindow(DateTimeOffset at) => at >= _from && at <= _to;

    /// <summary>Decodes one record into slot <paramref name="count"/> of <paramref name="target"/>; returns the new count.</summary>
    private int Decode(TrDefinition tr, DateTimeOffset receivedAt, in RecordingLocation source, ReadOnlySpan<byte> record, TOut[] target, int count)
    {
        if (!ReferenceEquals(tr, _lastTr)) (_lastTr, _lastTrDecodes, _lastGapCheck) = (tr, _decoder.Decodes(tr), GapCheckOf(tr));
        DecodeError error = default;
        if (_lastTrDecodes && _decoder.TryDecode(tr, receivedAt, record, out target[count], out error))
        {
            if (PendingGaps is { } pending) pending.Read(tr, record, receivedAt, in target[count]); // a worker: checked in order by the subscriber's side
            else _lastGapCheck?.Observe(record, receivedAt);
            return count + 1;
        }
        Undecodable(source, error, tr);
        return count;
    }

    /// <summary>
    /// Counts a message or record that does not decode, and offers its place and reason to the client's first few (the
    /// text is made only here, on the error path).
    /// </summary>
    private void Undecodable(in RecordingLocation source, DecodeError error, TrDefinition? tr, string? trId = null)
    {
        _counters.DecodeErrors++;
        trId = tr?.Id ?? trId;
        var reason = error.IsError ? error.Describe(tr) : "records are not of the type this subscription decodes";
        owner.Counters.FirstUndecodable.Add(source, trId is null || reason.StartsWith(trId, StringComparison.Ordinal) ? reason : $"{trId}: {reason}");
    }

    // One check per TR the cursor keeps (a recording may hold the paper and the real id of one TR).
    private readonly GapChecks _gapChecks = new(owner.Gaps, key);

    // A worker's cursor reads the fields and leaves the checks to the subscriber's side (PendingGaps).
    private GapCheck? GapCheckOf(TrDefinition tr) => PendingGaps is null ? _gapChecks.Of(tr) : null;

    private FrameDecoder DecoderOf(int session)
    {
        if (session == _lastSession && _lastDecoder is not null) return _lastDecoder; // one session: no lookup per frame
        if (!_decoders.TryGetValue(session, out var decoder)) _decoders[session] = decoder = new FrameDecoder();
        (_lastSession, _lastDecoder) = (session, decoder);
        return decoder;
    }

    private bool IsKey(ReadOnlySpan<byte> field) => _keyIgnoresCase ? System.Text.Ascii.EqualsIgnoreCase(field, _key) : field.SequenceEqual(_key);

    private static bool IgnoresCase(IReadOnlySet<string> trIds) =>
        trIds.Any(id => KisTrs.TryGet(id, out var tr) && tr.KeyFormat == TrKeyFormat.HtsId);

    public void Dispose()
    {
        FlushCounters();
        foreach (var decoder in _decoders.Values) decoder.Dispose();
    }

    /// <summary>The cursor's own counts, not yet added to the client's (one writer: no atomics per record).</summary>
    private struct LocalCounters
    {
        public long Messages, Bytes, Frames, Controls, RecordsRead, Delivered, NotDelivered, DecodeErrors;
        public int Pending;
    }
}
