using System.Diagnostics.CodeAnalysis;
namespace Kis.Realtime.Internal;

/// <summary>
/// The first few undecodable records of a replay, by their place in the recording: a bounded set, so a recording with
/// thousands of damaged lines costs no more than <see cref="Capacity"/> entries. Deterministic: parallel decoders may
/// report in any order, and the set keeps the earliest locations whatever the order. One lock, taken only for an error.
/// </summary>
[Experimental("KISRT0001")]
public sealed class UndecodableSamples
{
    /// <summary>How many are kept.</summary>
    public const int Capacity = 5;

    private readonly Lock _lock = new();
    private readonly List<KisUndecodableRecord> _first = new(Capacity);

    /// <summary>Keeps the record if it is among the earliest seen (the same location twice is kept once: each cursor reads the recording).</summary>
    public void Add(RecordingLocation location, string reason)
    {
        lock (_lock)
        {
            if (location.IsKnown && _first.Exists(r => r.Location == location)) return;
            if (_first.Count == Capacity)
            {
                var latest = _first.Count - 1; // sorted: the last is the latest
                if (Compare(location, _first[latest].Location) >= 0) return;
                _first.RemoveAt(latest);
            }
            var sample = new KisUndecodableRecord(location, reason);
            var at = _first.FindIndex(r => Compare(location, r.Location) < 0);
            _first.Insert(at < 0 ? _first.Count : at, sample);
        }
    }

    /// <summary>The kept records, earliest first.</summary>
    public IReadOnlyList<KisUndecodableRecord> Snapshot()
    {
        lock (_lock) return _first.ToArray();
    }

    /// <summary>The earliest <see cref="Capacity"/> of two sets together.</summary>
    public static IReadOnlyList<KisUndecodableRecord> Merge(IReadOnlyList<KisUndecodableRecord> a, IReadOnlyList<KisUndecodableRecord> b) =>
        b.Count == 0 ? a : a.Count == 0 ? b
        : [.. a.Concat(b.Where(r => !r.Location.IsKnown || !a.Any(x => x.Location == r.Location)))
            .OrderBy(r => r.Location, Comparer<RecordingLocation>.Create(Compare)).Take(Capacity)];

    // Day folders sort by name (yyyy-MM-dd), so file then line is recording order; unknown locations come last, in arrival order.
    private static int Compare(RecordingLocation x, RecordingLocation y)
    {
        if (x.IsKnown != y.IsKnown) return x.IsKnown ? -1 : 1;
        if (!x.IsKnown) return 0;
        var byFile = string.CompareOrdinal(x.File, y.File);
        return byFile != 0 ? byFile : x.Line.CompareTo(y.Line);
    }
}
