namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>
/// A session's subscriptions. Changed only by the session's receive loop (one writer, so its check-then-add needs no
/// lock across it), read through an immutable snapshot by the send loop and the hub without a lock; the lock keeps the
/// list, its snapshot and the tapes joined in step.
/// </summary>
internal sealed class SessionSubscriptions
{
    private readonly Lock _gate = new();
    private readonly List<SessionSubscription> _list = [];
    private volatile SessionSubscription[] _snapshot = [];

    /// <summary>The subscriptions now (immutable: a change makes a new array).</summary>
    public SessionSubscription[] Current => _snapshot;

    public bool Contains(TrDefinition tr, string key) => Array.Exists(_snapshot, s => s.Tr == tr && s.Key == key);

    /// <summary>Makes <paramref name="sub"/> visible to the send loop (its reply must be queued first).</summary>
    public void Add(SessionSubscription sub)
    {
        lock (_gate)
        {
            _list.Add(sub);
            _snapshot = [.. _list];
        }
    }

    /// <summary>Removes (<paramref name="tr"/>, <paramref name="key"/>) and leaves its tape; false when not subscribed.</summary>
    public bool TryRemove(TrDefinition tr, string key)
    {
        lock (_gate)
        {
            var index = _list.FindIndex(s => s.Tr == tr && s.Key == key);
            if (index < 0) return false;
            if (_list[index].Reader is { } reader) _list[index].Instrument.LeaveTape(reader);
            _list.RemoveAt(index);
            _snapshot = [.. _list];
            return true;
        }
    }

    /// <summary>An ended session holds no place on any tape (the frames only it still owed are let go).</summary>
    public void LeaveTapes()
    {
        lock (_gate)
        {
            foreach (var s in _list)
                if (s.Reader is { } reader) s.Instrument.LeaveTape(reader); // a second leave is a no-op
        }
    }
}
