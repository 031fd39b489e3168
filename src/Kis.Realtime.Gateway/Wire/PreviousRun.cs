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
        // The stream's last record of the key is exact; a final checkpoint is exact too (written after every confirm).
        var onStream = _onStream.LastOf(trId, key) ?? (Checkpoint.Final && last is not null ? new StreamTailRecord(last.Seq, last.At, Checkpoint.Run) : null);
        // Neither: where the key's records end was not established in the read's bound, and the announcement says so.
        bool? unknown = onStream is null && !_onStream.Known(trId, key) ? true : null;
        return GatewayJson.Serialize(new GatewayRunAnnouncement(_run, AnnouncedAtMicros, Checkpoint.Run, last?.Seq, last?.At, Checkpoint.At,
            onStream?.Seq, onStream?.At, onStream?.Run, unknown));
    }
}
