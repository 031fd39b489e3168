using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Session;

/// <summary>What the receive loop must do after a message.</summary>
internal enum RouteOutcome
{
    /// <summary>Nothing more.</summary>
    Done,
    /// <summary>A PINGPONG: answer it.</summary>
    PingPong,
    /// <summary>OPSP8996 for this session: another session holds the app key.</summary>
    AppKeyInUse,
}

/// <summary>
/// Decode → route → deliver for one session, synchronously, testable with byte arrays: data frames go to the
/// consumers of their registrations, replies to the request channel, PINGPONG back to the receive loop. Every
/// record that reaches no registration is counted per TR. Used by the receive loop only (single thread).
/// </summary>
internal sealed class FrameRouter(int sessionIndex, TrKeyRegistrationTable table, RequestChannel requests, ClientShared shared) : IDisposable
{
    private readonly FrameDecoder _decoder = new();
    private readonly List<(TrKeyRegistration TrKeyRegistration, int Offset, int Length)> _routed = new();

    /// <summary>Wait-mode consumers whose buffer was full: the receive loop waits for them before reading on.</summary>
    public List<LocalSubscriber> Blocked { get; } = new();

    /// <summary>A new connection means new notice keys: forget the old ones before any reply can arrive.</summary>
    public void ResetKeys() => _decoder.Reset();

    /// <summary>Handles one complete WebSocket message.</summary>
    public RouteOutcome Handle(ReadOnlySpan<byte> message, in MessageStamp stamp)
    {
        Interlocked.Increment(ref shared.Counters.Messages);
        Interlocked.Add(ref shared.Counters.Bytes, message.Length);
        shared.Instruments.Bytes.Add(message.Length);
        if (shared.RawTaps.Any) shared.RawTaps.Publish(sessionIndex, stamp.ReceivedAt, message);

        switch (DataFrame.Classify(message))
        {
            case MessageKind.Data:
                HandleData(message, stamp);
                return RouteOutcome.Done;
            case MessageKind.Control:
                Interlocked.Increment(ref shared.Counters.Controls);
                if (!ControlMessage.TryParse(message, out var control))
                {
                    shared.Counters.OnDecodeError(new DecodeError(DecodeErrorKind.BadControlMessage), null);
                    return RouteOutcome.Done;
                }
                if (control.Kind == ControlMessageKind.PingPong) return RouteOutcome.PingPong;
                return control.Kind == ControlMessageKind.Reply ? HandleReply(control) : RouteOutcome.Done;
            default:
                shared.Counters.OnDecodeError(new DecodeError(message.IsEmpty ? DecodeErrorKind.Empty : DecodeErrorKind.UnknownMessage), null);
                return RouteOutcome.Done;
        }
    }

    private RouteOutcome HandleReply(ControlMessage reply)
    {
        _decoder.Learn(reply);
        var matched = requests.Complete(reply);
        if (!matched)
            Log.UnmatchedReply(shared.Logger, sessionIndex, $"{reply.TrId} {reply.TrKey} rt_cd={reply.RtCd} {reply.MsgCd} {Redaction.ServerText(reply.Msg1)}");
        // OPSP8996 ends this session only when it answers one of its requests, or comes the way the live server sends it
        // (tr_id "(null)" or no header): a stray reply naming a request this session does not have is not about it.
        return reply.Code == OpspCode.AppKeyInUse && (matched || reply.TrId is null) ? RouteOutcome.AppKeyInUse : RouteOutcome.Done;
    }

    private void HandleData(ReadOnlySpan<byte> message, in MessageStamp stamp)
    {
        Interlocked.Increment(ref shared.Counters.Frames);
        shared.Instruments.Frames.Add(1);
        if (!DataFrame.TryParse(message, out var frame, out var error) || !_decoder.TryOpen(frame, out var tr, out var records, out error))
        {
            shared.Counters.OnDecodeError(error, null);
            return;
        }

        Interlocked.Add(ref shared.Counters.Records, frame.RecordCount);
        shared.Instruments.Records.Add(frame.RecordCount);
        if (!table.Routes.TryGet(frame.TrId, out var routes))
        {
            shared.Counters.OnUnrouted(tr.Id, frame.RecordCount);
            return;
        }

        // Pass 1: route each record by its first field. Records are contiguous, so each is remembered as an offset
        // from the first record's start.
        scoped ref byte origin = ref Unsafe.NullRef<byte>();
        var regionLength = 0;
        long unrouted = 0;
        _routed.Clear();
        while (records.TryNext(out var record))
        {
            if (Unsafe.IsNullRef(ref origin)) origin = ref MemoryMarshal.GetReference(record);
            var offset = (int)Unsafe.ByteOffset(ref origin, ref MemoryMarshal.GetReference(record));
            regionLength = offset + record.Length;
            var end = record.IndexOf((byte)'^');
            var registration = routes.Find(end < 0 ? record : record[..end]);
            if (registration is null) unrouted++;
            else _routed.Add((registration, offset, record.Length));
        }
        if (unrouted > 0) shared.Counters.OnUnrouted(tr.Id, unrouted);
        if (_routed.Count == 0) return;

        // Pass 2: one copy of the frame's plain records (the receive and decryption buffers are reused), shared by
        // every record and consumer; consumers decode their slices on their own threads.
        var copy = MemoryMarshal.CreateReadOnlySpan(ref origin, regionLength).ToArray();
        long delivered = 0;
        foreach (var (registration, offset, length) in _routed)
        {
            var pending = new PendingRecord(tr, copy, offset, length, stamp.Timestamp, stamp.ReceivedAt, stamp.Reconnects);
            var receivers = registration.Receivers; // one snapshot: a consumer handed over to the drain is in one of them
            foreach (var subscriber in receivers.Subscribers)
            {
                delivered++;
                if (!subscriber.Deliver(pending) && !Blocked.Contains(subscriber)) Blocked.Add(subscriber);
            }
            foreach (var subscriber in receivers.Draining) // empty but while a release is answered
            {
                delivered++;
                if (!subscriber.Deliver(pending) && !Blocked.Contains(subscriber)) Blocked.Add(subscriber);
            }
        }
        _routed.Clear();
        if (delivered > 0) Interlocked.Add(ref shared.Counters.Delivered, delivered);
    }

    public void Dispose() => _decoder.Dispose();
}
