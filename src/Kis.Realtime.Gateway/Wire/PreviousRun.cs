namespace Kis.Realtime.Gateway.Wire;

/// <summary>
/// The run before this one, as its last checkpoint tells it: what this run announces per key ahead of the key's first
/// record (<see cref="GatewayWire.KindHeader"/>) and the claims it restores.
/// </summary>
internal sealed class PreviousRun
{
    private readonly Dictionary<(string Tr, string Key), GatewayCheckpointKey> _keys = new();
    private readonly string _run;
    private readonly IReadOnlyDictionary<(string Tr, string Key), (long Seq, long At)> _onStream;

    /// <summary>This run's view of <paramref name="checkpoint"/>; <paramref name="onStream"/>: per key, the previous run's last
    /// record found on the streams (<c>PreviousRunTail</c>).</summary>
    public PreviousRun(GatewayCheckpoint checkpoint, string run, long startedAtMicros,
        IReadOnlyDictionary<(string Tr, string Key), (long Seq, long At)>? onStream = null)
    {
        _onStream = onStream ?? new Dictionary<(string Tr, string Key), (long Seq, long At)>();
        Checkpoint = checkpoint;
        _run = run;
        AnnouncedAtMicros = startedAtMicros;
        foreach (var key in checkpoint.Keys)
            if (key is { Tr: not null, Key: not null }) _keys[(key.Tr, key.Key)] = key;
    }

    /// <summary>The previous run's last checkpoint.</summary>
    public GatewayCheckpoint Checkpoint { get; }

    /// <summary>When this run began (Unix microseconds UTC): the announcements' time.</summary>
    public long AnnouncedAtMicros { get; }

    /// <summary>The announcement of <paramref name="trId"/> <paramref name="key"/>: this run, and the previous one's last confirmed record of the
    /// key.</summary>
    public byte[] AnnouncementOf(string trId, string key)
    {
        var last = _keys.GetValueOrDefault((trId, key));
        // The stream's last record of the key is exact; a final checkpoint is exact too (written after every confirm).
        (long Seq, long At)? onStream = _onStream.TryGetValue((trId, key), out var found) ? found
            : Checkpoint.Final && last is not null ? (last.Seq, last.At) : null;
        return GatewayJson.Serialize(new GatewayRunAnnouncement(_run, AnnouncedAtMicros, Checkpoint.Run, last?.Seq, last?.At, Checkpoint.At,
            onStream?.Seq, onStream?.At));
    }
}
