namespace Kis.Realtime.Internal;

/// <summary>
/// A <see cref="KisMergedClient"/> subscription's sources put in receive-time order before the merge, when every source
/// replays a recording (<see cref="KisReplayClient"/>): each source's records come in the order they were received, so
/// taking the earliest head of all the sources, once every source still subscribed has one, gives the order they were
/// received in, whatever the threads' timing or the pace. The merge then runs on that receive clock, not the wall clock:
/// its windows end as they did when the records were received, so merging the same recordings gives the same tape at
/// any pace. Live sources go straight through (a live source may fall silent; its window is the wall clock's).
/// </summary>
internal sealed class ReceiveOrder(int sources, int maxQueued, bool replaying)
{
    private readonly Queue<KisRecord>[] _queued = [.. Enumerable.Range(0, replaying ? sources : 0).Select(_ => new Queue<KisRecord>())];
    private readonly bool[] _ended = new bool[sources];
    private readonly bool[] _endSent = new bool[sources];
    private int _count;
    private long _clock;

    /// <summary>True when the sources replay recordings: <see cref="Release"/> offers their records, on their receive clock.</summary>
    public bool Replaying => replaying;

    /// <summary>
    /// Takes source <paramref name="source"/>'s next record (null: its subscription ended) when the sources replay; false:
    /// live, the caller offers it now.
    /// </summary>
    public bool Take(int source, KisRecord? record)
    {
        if (!replaying) return false;
        if (record is null) _ended[source] = true;
        else
        {
            _queued[source].Enqueue(record);
            _count++;
        }
        return true;
    }

    /// <summary>
    /// Offers <paramref name="merge"/> every record whose turn has come: the earliest received of the sources' heads, once
    /// every source still subscribed has one (or more than the bound wait: memory stays bounded; a source that stalls
    /// that long is then passed by); a source that ended is told to the merge at its place in that order.
    /// </summary>
    public void Release(FeedMerge merge, List<KisRecord> output)
    {
        if (!replaying) return;
        while (true)
        {
            var pick = -1;
            var blocked = false;
            for (var s = 0; s < _queued.Length; s++)
            {
                if (_queued[s].TryPeek(out var head))
                {
                    if (pick < 0 || head.ReceivedAt.UtcTicks < _queued[pick].Peek().ReceivedAt.UtcTicks) pick = s;
                }
                else if (!_ended[s]) blocked = true;
                else if (!_endSent[s])
                {
                    _endSent[s] = true;
                    merge.SourceEnded(s, _clock, output);
                }
            }
            if (pick < 0 || (blocked && _count <= maxQueued)) return;
            var record = _queued[pick].Dequeue();
            _count--;
            _clock = Math.Max(_clock, record.ReceivedAt.UtcTicks);
            merge.Offer(pick, record, _clock, output);
        }
    }
}
