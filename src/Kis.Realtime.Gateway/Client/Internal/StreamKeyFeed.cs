using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A key's subscriptions (an immutable list, replaced on change) and what was delivered for it: run and sequence,
/// touched only by the one delivery at a time, and carried over when the list changes.
/// </summary>
internal sealed class StreamKeyFeed(string key, StreamSubscriber[] subscribers)
{
    private readonly Box _delivered = new();

    private StreamKeyFeed(string key, StreamSubscriber[] subscribers, Box delivered) : this(key, subscribers) => _delivered = delivered;

    public StreamKeyFeed(string key, StreamSubscriber[] subscribers, byte[]? run, long sequence)
        : this(key, subscribers, new Box { Run = run, Sequence = sequence })
    {
    }

    public string Key { get; } = key;
    public StreamSubscriber[] Subscribers { get; } = subscribers;

    public StreamKeyFeed With(StreamSubscriber subscriber) => new(Key, [.. Subscribers, subscriber], _delivered);

    public StreamKeyFeed? Without(StreamSubscriber subscriber) =>
        Subscribers.Length == 1 && Subscribers[0] == subscriber ? null : new(Key, [.. Subscribers.Where(s => s != subscriber)], _delivered);

    /// <summary>True once a record of this key at or after the reader's start time was delivered (always, without one).</summary>
    public bool PassedStart
    {
        get => _delivered.PassedStart;
        set => _delivered.PassedStart = value;
    }

    /// <summary>
    /// A repeat of this run's records (a gateway resends unconfirmed records after a broker failure: never more than
    /// <paramref name="window"/> behind the highest delivered), new, or new though it went further back (the count
    /// restarts from it: a record with a forged huge seq cannot hold back every genuine one after it).
    /// </summary>
    public SequenceVerdict Judge(byte[]? run, long sequence, long window)
    {
        var verdict = SequenceVerdict.New;
        if (run is not null && _delivered.Run is not null && run.AsSpan().SequenceEqual(_delivered.Run))
        {
            if (sequence <= _delivered.Sequence)
            {
                // Subtracted as unsigned: a forged seq near long.MinValue cannot overflow into "close behind".
                if ((ulong)(_delivered.Sequence - sequence) <= (ulong)window) return SequenceVerdict.Repeat;
                verdict = SequenceVerdict.WentBack;
            }
        }
        else
        {
            _delivered.Run = run;
        }
        _delivered.Sequence = sequence;
        return verdict;
    }

    /// <summary>A run announcement of this key: kept until the first record of that run reports the gap.</summary>
    public void Announce(GatewayRunAnnouncement announcement)
    {
        if (announcement.KisReconnectedAt is null) _delivered.Announcement = announcement;
        else _delivered.Reconnect = announcement; // within a run: reported at the run's next record after last_seq
    }

    /// <summary>A record of this key is delivered: the gap, if a later run's record comes next, begins after it.</summary>
    public void Delivered(long receivedAtMicros, byte[] body)
    {
        _delivered.LastReceivedAt = receivedAtMicros;
        _delivered.LastBody = body;
    }

    /// <summary>
    /// The gap before a record of another run than the last one delivered (before <see cref="Judge"/> moves on to
    /// it), with what that run announced; null within a run or before anything was delivered.
    /// </summary>
    public GatewayGap? GapBefore(string trId, byte[]? run, long sequence, long receivedAtMicros, ReadOnlySpan<byte> body)
    {
        var box = _delivered;
        if (run is null || box.Run is null || box.LastBody is null)
        {
            // Nothing delivered yet: a gap announced within the run before this record lies before where this reader
            // started (a live reader's own claim registers a key again, announced ahead of its first record), not
            // between two records it delivered.
            if (box.Reconnect is { } pending && sequence > (pending.LastSeq ?? 0)) box.Reconnect = null;
            return null;
        }
        if (run.AsSpan().SequenceEqual(box.Run)) return ReconnectGapBefore(trId, run, sequence, receivedAtMicros, body);
        var nextRun = System.Text.Encoding.UTF8.GetString(run);
        var announced = box.Announcement is { } a && a.Run == nextRun ? a : null;
        box.Announcement = null;
        return new GatewayGap
        {
            Tr = trId,
            Key = Key,
            PreviousRun = System.Text.Encoding.UTF8.GetString(box.Run),
            LastSequence = box.Sequence,
            LastReceivedAt = GatewayWire.FromUnixMicroseconds(box.LastReceivedAt),
            NextRun = nextRun,
            FirstSequence = sequence,
            FirstReceivedAt = GatewayWire.FromUnixMicroseconds(receivedAtMicros),
            Announced = announced is not null,
            NextRunStartedAt = announced is null ? null : GatewayWire.FromUnixMicroseconds(announced.StartedAt),
            PreviousRunConfirmedSequence = announced?.PreviousSeq,
            MissedVolume = TradeVolumes.Missed(trId, box.LastBody, GatewayWire.FromUnixMicroseconds(box.LastReceivedAt), body,
                GatewayWire.FromUnixMicroseconds(receivedAtMicros)),
        };
    }

    /// <summary>The gap a run announced within itself (its KIS session reconnected, or the key was registered again), at the run's
    /// first record after it.</summary>
    private GatewayGap? ReconnectGapBefore(string trId, byte[] run, long sequence, long receivedAtMicros, ReadOnlySpan<byte> body)
    {
        var box = _delivered;
        if (box.Reconnect is not { } r || sequence <= (r.LastSeq ?? 0)) return null; // none, or a resend from before it
        if (box.Sequence > (r.LastSeq ?? 0))
        {
            box.Reconnect = null; // this reader is past the gap's place already (it started after it): not a gap it saw
            return null;
        }
        var name = System.Text.Encoding.UTF8.GetString(run);
        box.Reconnect = null;
        if (r.Run != name) return null; // another run's (a stale one)
        return new GatewayGap
        {
            Tr = trId,
            Key = Key,
            PreviousRun = name,
            LastSequence = box.Sequence,
            LastReceivedAt = GatewayWire.FromUnixMicroseconds(box.LastReceivedAt),
            NextRun = name,
            FirstSequence = sequence,
            FirstReceivedAt = GatewayWire.FromUnixMicroseconds(receivedAtMicros),
            Announced = true,
            KisSessionReconnectedAt = r.RegisteredAgain == true ? null : GatewayWire.FromUnixMicroseconds(r.KisReconnectedAt!.Value),
            KeyRegisteredAgainAt = r.RegisteredAgain == true ? GatewayWire.FromUnixMicroseconds(r.KisReconnectedAt!.Value) : null,
            MissedVolume = TradeVolumes.Missed(trId, box.LastBody!, GatewayWire.FromUnixMicroseconds(box.LastReceivedAt), body,
                GatewayWire.FromUnixMicroseconds(receivedAtMicros)),
        };
    }

    private sealed class Box
    {
        public GatewayRunAnnouncement? Reconnect;
        public byte[]? Run;
        public long Sequence;
        public bool PassedStart;
        public long LastReceivedAt;
        public byte[]? LastBody;
        public GatewayRunAnnouncement? Announcement;
    }
}

/// <summary>What a record's <c>seq</c> says about it (<see cref="StreamKeyFeed.Judge"/>).</summary>
internal enum SequenceVerdict { New, Repeat, WentBack }

