namespace Kis.Realtime.Gateway.Wire;

/// <summary>
/// The run before this one, as its last checkpoint tells it: what this run announces per key ahead of the key's first
/// record (<see cref="GatewayWire.KindHeader"/>) and the claims it restores.
/// </summary>
internal sealed class PreviousRun
{
    private readonly Dictionary<(string Tr, string Key), GatewayCheckpointKey> _keys = new();
    private readonly string _run;

    public PreviousRun(GatewayCheckpoint checkpoint, string run, long startedAtMicros)
    {
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
        return GatewayJson.Serialize(new GatewayRunAnnouncement(_run, AnnouncedAtMicros, Checkpoint.Run, last?.Seq, last?.At, Checkpoint.At));
    }
}
