using System.Text.Json;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Issue 61's gap accounting rule, one for the whole-market harness's independent consumer and the integration tests'
/// (<c>GapAccounting</c>, which links this file): a key's records travel in order on one KIS session, so the records it
/// lacks lie inside a run (a <c>seq</c> jump: never accounted for) or between two of its runs. Those are accounted for
/// when every run change is stated: the next run's announcement names the key's last record on the stream before it, its
/// run and seq (<c>previous_stream_run</c>, <c>previous_stream_seq</c>; a gateway before <c>previous_stream_run</c> named
/// only the previous run's), whichever runs held the key between without a record. An announcement that says the
/// gateway did not find that record within its read's bound (<c>previous_stream_unknown</c>) states a gap of unknown
/// extent: counted apart, not hidden; so is one before the key's first run on the stream (its holder before left no record
/// of it there). A key short with no run change, no hole inside a run and no such gap is short at its end.
/// </summary>
internal static class GapRule
{
    /// <summary>A run announcement of a key as the wire states it (docs/gateway-standby.md).</summary>
    public readonly record struct Announcement(string Run, string? PreviousRun, string? StreamRun, long? StreamSeq, bool Unknown, long? CheckpointSeq);

    /// <summary>What one key's records missing come to: not accounted for, short at its end (one run, no hole), in gaps of unknown extent.</summary>
    public readonly record struct KeyAccount(long Unaccounted, long TailShort, long UnknownExtent, int Stated, int Unstated);

    /// <summary>How the change from <paramref name="lastRun"/>'s record <paramref name="lastSeq"/> to run <paramref name="next"/> is stated.</summary>
    public static ChangeStated Judge(IEnumerable<Announcement> announcements, string lastRun, long lastSeq, string next)
    {
        var ofNext = announcements.Where(a => a.Run == next).ToList();
        if (ofNext.Any(a => a.StreamRun == lastRun && a.StreamSeq == lastSeq)) return ChangeStated.Stated;
        return ofNext.Any(a => a.Unknown) ? ChangeStated.Unknown : ChangeStated.Unstated;
    }

    /// <summary>
    /// One key: <paramref name="made"/> records sent, <paramref name="got"/> on the stream, <paramref name="inRunHoles"/> of
    /// them missing inside a run; <paramref name="runs"/>: its runs in stream order with the last seq of each, and
    /// <paramref name="open"/> a run that announced the key after its last record but has no record yet.
    /// </summary>
    public static KeyAccount Account(long made, long got, long inRunHoles, IReadOnlyList<(string Run, long LastSeq)> runs, string? open,
        IReadOnlyList<Announcement> announcements)
    {
        var counts = new int[3];
        for (var i = 1; i < runs.Count; i++) counts[(int)Judge(announcements, runs[i - 1].Run, runs[i - 1].LastSeq, runs[i].Run)]++;
        if (open is not null && runs.Count > 0) counts[(int)Judge(announcements, runs[^1].Run, runs[^1].LastSeq, open)]++;
        var (stated, unknown, unstated) = (counts[(int)ChangeStated.Stated], counts[(int)ChangeStated.Unknown], counts[(int)ChangeStated.Unstated]);
        var betweenRuns = Math.Max(0, made - got - inRunHoles);
        if (betweenRuns == 0) return new KeyAccount(inRunHoles, 0, 0, stated, unstated);
        if (stated + unknown + unstated == 0)
        {
            // No change on the stream, but the first run may have announced one from a holder that left no record of the key
            // there (killed before any was confirmed): of unknown extent, what is missing lies before it, not at the end.
            var gapBefore = runs.Count > 0 && announcements.Any(a => a.Run == runs[0].Run && a.Unknown);
            return gapBefore ? new KeyAccount(inRunHoles, 0, betweenRuns, stated, unstated) : new KeyAccount(inRunHoles, betweenRuns, 0, stated, unstated);
        }
        if (unstated > 0) return new KeyAccount(inRunHoles + betweenRuns, 0, 0, stated, unstated);
        return new KeyAccount(inRunHoles, 0, unknown > 0 ? betweenRuns : 0, stated, unstated);
    }

    /// <summary>An announcement's JSON body (<paramref name="run"/>: its <c>run</c> header).</summary>
    public static Announcement Parse(string run, ReadOnlySpan<byte> body)
    {
        using var json = JsonDocument.Parse(body.ToArray());
        var root = json.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        long? Number(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
        var previous = Text("previous_run");
        return new Announcement(run, previous, Text("previous_stream_run") ?? previous, Number("previous_stream_seq"),
            root.TryGetProperty("previous_stream_unknown", out var u) && u.ValueKind == JsonValueKind.True, Number("previous_seq"));
    }
}

/// <summary>How a run change of a key is stated (<see cref="GapRule.Judge"/>).</summary>
internal enum ChangeStated { Stated, Unknown, Unstated }
