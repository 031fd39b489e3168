namespace Kis.Realtime.Gateway.Wire;

/// <summary>
/// The run before this one, as its last checkpoint tells it: what this run announces per key ahead of the key's first
/// record (<see cref="GatewayWire.KindHeader"/>) and the claims it restores.
/// </summary>
internal sealed class PreviousRun
{
    private readonly Dictionary<(string Tr, string Key), GatewayCheckpointKey> _keys = new();
    private readonly string _run;
    private readonly StreamTails _onStream;

    /// <summary>This run's view of <paramref name="checkpoint"/>; <paramref name="onStream"/>: per key, the last record of any
    /// earlier run found on the streams (<c>PreviousRunTail</c>).</summary>
    public PreviousRun(GatewayCheckpoint checkpoint, string run, long startedAtMicros, StreamTails? onStream = null)
    {
        _onStream = onStream ?? StreamTails.None;
        Checkpoint = checkpoint;
        _run = run;
        AnnouncedAtMicros = startedAtMicros;
        foreach (var key in checkpoint.Keys)
            if (key is { Tr: not null, Key: not null }) _keys[(key.Tr, key.Key)] = key;
    }

    /// <summary>The previous run's last checkpoint.</summary>
    public GatewayCheckpoint Checkpoint { get; }

    /// <summary>Keys taken over whose last record on the stream the read did not establish (announced as of unknown extent).</summary>
    public int KeysUnknown => _onStream.WantedUnknown;

    /// <summary>When this run began (Unix microseconds UTC): the announcements' time.</summary>
    public long AnnouncedAtMicros { get; }

    /// <summary>The announcement of <paramref name="trId"/> <paramref name="key"/>: this run, and the previous one's last confirmed record of the
    /// key.</summary>
    public byte[] AnnouncementOf(string trId, string key)
    {
        var last = _keys.GetValueOrDefault((trId, key));
        var (onStream, known) = OnStream(trId, key);
        // Not established in the read's bound: the announcement says the gap is of unknown extent.
        bool? unknown = known ? null : true;
        // previous_seq is the previous run's own confirmed record only (a carried-on one is another run's).
        var own = last is { Run: null } ? last : null;
        return GatewayJson.Serialize(new GatewayRunAnnouncement(_run, AnnouncedAtMicros, Checkpoint.Run, own?.Seq, own?.At, Checkpoint.At,
            onStream?.Seq, onStream?.At, onStream?.Run, unknown));
    }

    /// <summary>
    /// The key's last record on its stream before this run, when established: found by the read, else the checkpoint's
    /// when that is exact: a final checkpoint (written after every confirm), or the read covered everything the checkpoint
    /// had not confirmed (<see cref="GatewayCheckpoint.ConfirmedThrough"/> on) without meeting the key. Null: unknown, or none.
    /// </summary>
    public (StreamTailRecord? Last, bool Known) OnStream(string trId, string key)
    {
        var last = _keys.GetValueOrDefault((trId, key));
        // The checkpoint's record of the key is on the stream: a read that found an earlier one stopped short of the
        // stream's end (issue 72: announced 1426, checkpoint 3191, stream 1-3796). Unknown, never a wrong exact seq.
        if (_onStream.LastOf(trId, key) is { } found) return ShortOf(found, last) ? (null, false) : (found, true);
        if (last is null || !(Checkpoint.Final || _onStream.CoveredUnconfirmed(trId))) return (null, _onStream.Known(trId, key));
        return last.Seq > 0 ? (new StreamTailRecord(last.Seq, last.At, last.Run ?? Checkpoint.Run), true) : (null, true); // seq 0: known to have none
    }

    /// <summary>Whether <paramref name="found"/> lies before the checkpoint's record of the key (<paramref name="last"/>), which
    /// the stream holds: of the same run with a lower seq, or of another run received before it (runs of a key follow one
    /// another in time; within the clock margin between hosts the order is not known, so it counts as short).</summary>
    private bool ShortOf(StreamTailRecord found, GatewayCheckpointKey? last)
    {
        if (last is not { Seq: > 0 }) return false;
        var run = last.Run ?? Checkpoint.Run;
        if (string.Equals(found.Run, run, StringComparison.Ordinal)) return found.Seq < last.Seq;
        if (string.Equals(found.Run, Checkpoint.Run, StringComparison.Ordinal)) return false; // the checkpoint's run follows a carried one
        return found.At < last.At + (long)ClockMargin.TotalMicroseconds;
    }

    /// <summary>How far apart the hosts' clocks may be: records of two runs received closer than this are of no known order.</summary>
    internal static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(2);
}
