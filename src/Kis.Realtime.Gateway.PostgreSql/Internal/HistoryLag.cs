
using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Gateway.Wire;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Gateway.PostgreSql.Internal;

/// <summary>
/// How far the writer's stored history is behind what the gateway confirmed. The active gateway's checkpoints
/// (<c>{ns}.gateway-runs</c>, every 500 ms while something changed) name per key the last record the broker confirmed;
/// the feeds report per key the last record committed. A record a checkpoint named is owed until a commit reaches it
/// (or a later run's record of the key is committed: the stream holds runs one after another, so the writer read past
/// it); its age counts from the moment the writer read that checkpoint, not from the gateway's clock. The writer is
/// <em>behind</em> when the oldest owed record has been owed for <see cref="KisPostgresStreamWriterOptions.BehindAfter"/>.
/// One owner (the writer), one lock; the feeds and the runs watcher call in from their own tasks.
/// </summary>
[Experimental("KISRT0001")]
public sealed class HistoryLag(TimeProvider time)
{
    /// <summary>Checkpoint observations kept per key: the oldest is always kept, so the age is exact until it is met.</summary>
    private const int MaxObservationsPerKey = 32;

    private readonly Lock _gate = new(); // guards everything below
    private readonly Dictionary<(string Tr, string Key), List<Owed>> _owed = new();
    private readonly Dictionary<(string Tr, string Key), (string Run, long Seq)> _stored = new();
    private readonly Dictionary<string, long> _runOrder = new(StringComparer.Ordinal); // runs in the order checkpoints named them
    private long _checkpoints;
    private DateTimeOffset? _lastCheckpointAt;

    private readonly record struct Owed(string Run, long Seq, DateTimeOffset Since);

    /// <summary>A checkpoint read from the runs stream: every key's confirmed seq becomes owed unless stored already.</summary>
    public void Observe(GatewayCheckpoint checkpoint)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _checkpoints++;
            _lastCheckpointAt = now;
            _runOrder.TryAdd(checkpoint.Run, _runOrder.Count);
            foreach (var key in checkpoint.Keys)
            {
                // A key carried on from an earlier run (Run set) was owed by that run's own checkpoints.
                if (key is not { Tr: { } tr, Key: { } k, Run: null } || key.Seq < 1) continue;
                var owed = new Owed(checkpoint.Run, key.Seq, now);
                if (IsMet(owed, _stored.TryGetValue((tr, k), out var s) ? s : null)) continue;
                if (!_owed.TryGetValue((tr, k), out var list)) _owed[(tr, k)] = list = [];
                if (list.Count > 0 && list[^1].Run == owed.Run && list[^1].Seq >= owed.Seq) continue; // nothing new of the key
                if (list.Count == MaxObservationsPerKey) list.RemoveAt(1); // keep the oldest: it sets the age
                list.Add(owed);
            }
        }
    }

    /// <summary>A feed committed (or loaded) the place of <paramref name="key"/>: its run and last seq.</summary>
    public void Stored(string trId, string key, string run, long seq)
    {
        lock (_gate)
        {
            _stored[(trId, key)] = (run, seq);
            if (!_owed.TryGetValue((trId, key), out var list)) return;
            list.RemoveAll(o => IsMet(o, (run, seq)));
            if (list.Count == 0) _owed.Remove((trId, key));
        }
    }

    /// <summary>The figures now; behind when the oldest owed record waits for <paramref name="behindAfter"/> or longer.</summary>
    public KisPostgresWriterLag Snapshot(TimeSpan behindAfter)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            long records = 0;
            DateTimeOffset? oldest = null;
            foreach (var (place, list) in _owed)
            {
                var stored = _stored.TryGetValue(place, out var s) ? s : ((string Run, long Seq)?)null;
                foreach (var run in list.GroupBy(o => o.Run))
                    records += run.Max(o => o.Seq) - (stored is { } p && p.Run == run.Key ? p.Seq : 0);
                if (oldest is null || list[0].Since < oldest) oldest = list[0].Since;
            }
            var age = oldest is { } since && now > since ? now - since : TimeSpan.Zero;
            return new KisPostgresWriterLag(records, age, records > 0 && age >= behindAfter, _checkpoints, _lastCheckpointAt);
        }
    }

    /// <summary>Met: the key's stored place is at or past the owed seq of the same run, or in a run a later checkpoint named.</summary>
    private bool IsMet(Owed owed, (string Run, long Seq)? stored) => stored is { } s &&
        (s.Run == owed.Run ? s.Seq >= owed.Seq
            : _runOrder.TryGetValue(s.Run, out var storedOrder) && _runOrder.TryGetValue(owed.Run, out var owedOrder) && storedOrder > owedOrder);
}
