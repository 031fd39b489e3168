using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;

namespace Kis.Realtime.Replay;

/// <summary>Turns one plain record into what a subscription yields; false when it does not decode (counted by the caller).</summary>
internal delegate bool ReplayDecoder<TOut>(TrDefinition tr, DateTimeOffset receivedAt, ReadOnlySpan<byte> record, out TOut value);

/// <summary>
/// One subscription's reading of a recording: its own pass over the source from the start of the replay's first day,
/// learning notice keys from the recorded replies of every session, keeping the records of its TRs and key that fall
/// between From and To. Not thread-safe: one per enumeration. Deterministic: what it yields depends only on the
/// recording, the subscription and the options, never on other subscriptions or timing.
/// </summary>
internal sealed class ReplayCursor<TOut>(KisReplayClient owner, IReadOnlySet<string> trIds, string key, ReplayDecoder<TOut> decode) : IDisposable
{
    private readonly Dictionary<int, FrameDecoder> _decoders = new(); // notice keys are per session
    private readonly byte[] _key = Encoding.UTF8.GetBytes(key);
    private readonly bool _keyIgnoresCase = IgnoresCase(trIds); // HTS IDs route regardless of case, as in a live session
    private readonly TrId[] _trIds = [.. trIds.Select(TrId.Parse)]; // packed: a frame of another TR costs integer compares
    private readonly DateTimeOffset _from = owner.Options.From ?? DateTimeOffset.MinValue;
    private readonly DateTimeOffset _to = owner.Options.To ?? DateTimeOffset.MaxValue;

    /// <summary>The TRs this cursor keeps: the one asked for and its paper/real counterpart, as a recording may hold either.</summary>
    public IReadOnlySet<string> TrIds => trIds;

    /// <summary>Adds the records of one message that this subscription receives to <paramref name="output"/>.</summary>
    public void Take(in RecordedMessage message, List<TOut> output)
    {
        owner.Counters.Message(message.Data.Length);
        if (message.IsStoredRecord)
        {
            owner.Counters.Frame();
            if (message.TrId is null || !trIds.Contains(message.TrId) || !KisTrs.TryGet(message.TrId, out var storedTr)) return;
            owner.Counters.RecordsRead(1);
            if (!string.Equals(message.TrKey, key, _keyIgnoresCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal) || !InWindow(message.ReceivedAt)) { owner.Counters.NotDelivered(1); return; }
            Decode(storedTr, message.ReceivedAt, message.Data.Span, output);
            return;
        }

        var data = message.Data.Span;
        switch (DataFrame.Classify(data))
        {
            case MessageKind.Control:
                owner.Counters.Control();
                if (ControlMessage.TryParse(data, out var control)) DecoderOf(message.Session).Learn(control);
                else owner.Counters.DecodeError();
                return;
            case MessageKind.Data:
                owner.Counters.Frame();
                break;
            default:
                owner.Counters.DecodeError();
                return;
        }

        if (!DataFrame.TryParse(data, out var frame, out _)) { owner.Counters.DecodeError(); return; }
        if (Array.IndexOf(_trIds, frame.TrId) < 0) return; // another subscription's TR
        if (!DecoderOf(message.Session).TryOpen(frame, out var tr, out var records, out _)) { owner.Counters.DecodeError(); return; }
        owner.Counters.RecordsRead(frame.RecordCount);
        var inWindow = InWindow(message.ReceivedAt);
        while (records.TryNext(out var record))
        {
            // A record's key is one of its fields (TRs whose records carry none are kept whole: KeyField -1).
            if (!inWindow || (tr.KeyField >= 0 && !IsKey(KeyOf(record, tr.KeyField)))) { owner.Counters.NotDelivered(1); continue; }
            Decode(tr, message.ReceivedAt, record, output);
        }
    }

    private bool InWindow(DateTimeOffset at) => at >= _from && at <= _to;

    private void Decode(TrDefinition tr, DateTimeOffset receivedAt, ReadOnlySpan<byte> record, List<TOut> output)
    {
        if (decode(tr, receivedAt, record, out var value)) output.Add(value);
        else owner.Counters.DecodeError();
    }

    private FrameDecoder DecoderOf(int session)
    {
        if (session == _lastSession && _lastDecoder is not null) return _lastDecoder; // one session: no lookup per frame
        if (!_decoders.TryGetValue(session, out var decoder)) _decoders[session] = decoder = new FrameDecoder();
        (_lastSession, _lastDecoder) = (session, decoder);
        return decoder;
    }

    private int _lastSession = -1;
    private FrameDecoder? _lastDecoder;

    private bool IsKey(ReadOnlySpan<byte> field) => _keyIgnoresCase ? System.Text.Ascii.EqualsIgnoreCase(field, _key) : field.SequenceEqual(_key);

    private static bool IgnoresCase(IReadOnlySet<string> trIds) =>
        trIds.Any(id => KisTrs.TryGet(id, out var tr) && tr.KeyFormat == TrKeyFormat.HtsId);

    private static ReadOnlySpan<byte> KeyOf(ReadOnlySpan<byte> record, int keyField)
    {
        var fields = new FieldReader(record);
        for (var i = 0; fields.TryRead(out var field); i++)
            if (i == keyField) return field;
        return default;
    }

    public void Dispose()
    {
        foreach (var decoder in _decoders.Values) decoder.Dispose();
    }
}
