namespace Kis.Realtime.Gateway.Wire;

/// <summary>A key's last record on its TR's stream: its seq, when it was received (Unix microseconds UTC) and its run.</summary>
internal readonly record struct StreamTailRecord(long Seq, long At, string Run);

/// <summary>
/// What a taking-over run found on the TR streams before its start (<c>PreviousRunTail</c>): per key, the last record of
/// any earlier run; and the TRs whose streams were read back to their first record, where a key not found has none.
/// Anything else is unknown (the read's bound was hit, or the key was not looked for): its announcement says so.
/// </summary>
internal sealed class StreamTails
{
    /// <summary>Nothing read: every key unknown.</summary>
    public static readonly StreamTails None = new(new Dictionary<(string Tr, string Key), StreamTailRecord>(), new HashSet<string>(StringComparer.Ordinal), 0,
        new HashSet<string>(StringComparer.Ordinal));

    private readonly IReadOnlyDictionary<(string Tr, string Key), StreamTailRecord> _last;
    private readonly IReadOnlySet<string> _readToFirst;
    private readonly IReadOnlySet<string> _coveredUnconfirmed;

    public StreamTails(IReadOnlyDictionary<(string Tr, string Key), StreamTailRecord> last, IReadOnlySet<string> readToFirst, int wantedUnknown,
        IReadOnlySet<string> coveredUnconfirmed)
    {
        _last = last;
        _readToFirst = readToFirst;
        WantedUnknown = wantedUnknown;
        _coveredUnconfirmed = coveredUnconfirmed;
    }

    /// <summary>Whether the TR's stream was read from the previous checkpoint's <see cref="GatewayCheckpoint.ConfirmedThrough"/> on:
    /// a key the read did not meet then ends on the stream where that checkpoint says.</summary>
    public bool CoveredUnconfirmed(string tr) => _coveredUnconfirmed.Contains(tr);

    /// <summary>Keys the run takes over (the previous run's keys and claims, a fleet shard's universe) whose last record the
    /// read did not establish within its bound: each announces a gap of unknown extent.</summary>
    public int WantedUnknown { get; }

    /// <summary>Keys whose last record was found.</summary>
    public int Found => _last.Count;

    /// <summary>The key's last record on the stream, if found.</summary>
    public StreamTailRecord? LastOf(string tr, string key) => _last.TryGetValue((tr, key), out var found) ? found : null;

    /// <summary>Whether the key's last record is known: found, or its stream read to the first record without it.</summary>
    public bool Known(string tr, string key) => _last.ContainsKey((tr, key)) || _readToFirst.Contains(tr);
}
