using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>What is the same for every record of one registration: computed once, shared by its records.</summary>
internal sealed class RecordRoute(string trId, string key, int session, string run)
{
    public readonly string RoutingKey = GatewayWire.RoutingKey(trId, key);
    public readonly string TrId = trId;
    public readonly string Key = key;
    public readonly int Session = session;
    public readonly string Run = run;
    // The last record of this registration the broker confirmed (seq, received at): the run's checkpoint reads them.
    private long _confirmedSequence, _confirmedAtMicros;

    public (long Sequence, long ReceivedAtMicros) Confirmed => (Volatile.Read(ref _confirmedSequence), Volatile.Read(ref _confirmedAtMicros));

    /// <summary>Under the publisher's confirm lock: confirms arrive in order, so the last one is the highest.</summary>
    internal void NoteConfirmed(long sequence, long receivedAtMicros)
    {
        Volatile.Write(ref _confirmedAtMicros, receivedAtMicros);
        Volatile.Write(ref _confirmedSequence, sequence);
    }
}

/// <summary>One record on its way to the broker; <see cref="AnnouncementSequence"/> marks a run announcement (JSON body), not a record.</summary>
internal readonly record struct OutgoingRecord(RecordRoute Route, long Sequence, long ReceivedAtMicros, ReadOnlyMemory<byte> Body)
{
    /// <summary>The <c>seq</c> of a run announcement: records count from 1, so it never names one.</summary>
    public const long AnnouncementSequence = 0;

    public bool IsAnnouncement => Sequence == AnnouncementSequence;
}
