namespace Kis.Realtime;

/// <summary>
/// Where a recorded message was read, for a person to find it: a file of the recording and a line in it. A value: the
/// file name is one string per file, shared by all its messages (no allocation per message).
/// </summary>
/// <param name="File">The file, relative to the recording (e.g. <c>2026-05-04/raw.log</c>); null when the source has no files.</param>
/// <param name="Line">One-based line number in <paramref name="File"/>; 0 when unknown.</param>
public readonly record struct RecordingLocation(string? File, long Line)
{
    /// <summary>True when the source said where the message was (a file and a line).</summary>
    public bool IsKnown => File is not null && Line > 0;

    /// <summary><c>file:line</c>, or "unknown location".</summary>
    public override string ToString() => IsKnown ? $"{File}:{Line}" : "unknown location";
}

/// <summary>A record or line of a recording that a replay skipped as unreadable or undecodable, and why.</summary>
/// <param name="Location">Where it is in the recording.</param>
/// <param name="Reason">What is wrong with it (e.g. <c>H0STCNT0 record 1 has 4 fields, fewer than the 46 known</c>).</param>
public sealed record KisUndecodableRecord(RecordingLocation Location, string Reason)
{
    /// <summary><c>file:line (reason)</c>.</summary>
    public override string ToString() => $"{Location} ({Reason})";
}
