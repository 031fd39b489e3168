using Kis.Realtime.Protocol;

namespace Kis.Realtime.Session;

/// <summary>What the table decided when a request's outcome arrived.</summary>
internal enum AcceptOutcome
{
    /// <summary>Active and wanted: tell the consumers.</summary>
    Active,
    /// <summary>Accepted, but nobody wants it any more (or the session is shutting down): release it now.</summary>
    ReleaseNeeded,
    /// <summary>The reply belongs to a connection (or request) that is gone: nothing to do.</summary>
    Stale,
}

/// <summary>
/// One session's registrations: the single lock over their life cycle, the count against KIS's 41 (registrations
/// being released included: the server still holds them), and the routing snapshot the receive loop reads without a
/// lock. Every <see cref="TrKeyRegistration"/> transition happens here, under <see cref="_lock"/>.
/// </summary>
internal sealed class TrKeyRegistrationTable(int maxRegistrations)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(TrId, string), TrKeyRegistration> _wanted = new(RegistrationKeys.Comparer);
    private readonly List<TrKeyRegistration> _releasing = new();
    private volatile RouteTable _routes = RouteTable.Empty;
    private bool _closing;
    private TaskCompletionSource? _settled;

    public RouteTable Routes => _routes;

    /// <summary>Registrations held, being made or being released.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _wanted.Count + _releasing.Count;
        }
    }

    /// <summary>True when a new key fits: registrations being released free their slot soon, so they do not block it.</summary>
    public bool HasRoom
    {
        get
        {
            lock (_lock) return _wanted.Count < maxRegistrations;
        }
    }

    /// <summary>Records waiting in the consumers' buffers.</summary>
    public long BufferedRecords
    {
        get
        {
            long buffered = 0;
            lock (_lock)
                foreach (var r in _wanted.Values)
                    foreach (var s in r.Subscribers) buffered += s.Reader.Count;
            return buffered;
        }
    }

    public bool Holds(TrDefinition tr, string key)
    {
        lock (_lock) return _wanted.ContainsKey((tr.TrId, key));
    }

    /// <summary>Adds a consumer; creates the registration (Pending) when it is the first for its key.</summary>
    /// <exception cref="ObjectDisposedException">The session is shutting down.</exception>
    public TrKeyRegistration Add(LocalSubscriber subscriber, out bool created)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closing, typeof(KisRealtimeClient));
            var id = (subscriber.Tr.TrId, subscriber.Key);
            created = !_wanted.TryGetValue(id, out var registration);
            if (registration is null)
            {
                registration = new TrKeyRegistration(subscriber.Tr, subscriber.Key);
                _wanted.Add(id, registration);
            }
            registration.Subscribers = [.. registration.Subscribers, subscriber];
            if (created) RebuildRoutes();
            return registration;
        }
    }

    /// <summary>
    /// Removes a consumer. Returns the registration when its last consumer left an Active registration, which is now
    /// Releasing and must be released on the server; a Pending one is dropped at once, a Subscribing one is released
    /// when its reply arrives (<see cref="Accept"/>).
    /// </summary>
    /// <param name="subscriber">The consumer leaving.</param>
    /// <param name="drain">When it releases the registration: it takes the records until <see cref="EndDrain"/>.</param>
    public TrKeyRegistration? Remove(LocalSubscriber subscriber, bool drain = false)
    {
        lock (_lock)
        {
            if (!_wanted.TryGetValue((subscriber.Tr.TrId, subscriber.Key), out var registration)) return null;
            if (Array.IndexOf(registration.Subscribers, subscriber) < 0) return null;
            var remaining = Array.FindAll(registration.Subscribers, s => s != subscriber);
            // The router must find the last consumer in the subscribers or in the drain, never in neither or both.
            if (drain && remaining.Length == 0 && registration.State == TrKeyRegistrationState.Active) registration.HandOverToDrain(subscriber);
            else registration.Subscribers = remaining;
            if (registration.IsWanted) return null;
            switch (registration.State)
            {
                case TrKeyRegistrationState.Pending:
                    registration.Release();
                    Drop(registration);
                    return null;
                case TrKeyRegistrationState.Active:
                    registration.BeginRelease(); // handed over to the drain above, before the routes change
                    MoveToReleasing(registration);
                    return registration;
                default:
                    return null; // Subscribing: decided when the reply arrives
            }
        }
    }

    /// <summary>Pending → Subscribing on <paramref name="connection"/>, if it is wanted and a server slot is free.</summary>
    public bool TryBeginSubscribe(TrKeyRegistration registration, long connection)
    {
        lock (_lock)
        {
            if (_closing || registration.IsTerminal) return false;
            var occupied = _releasing.Count;
            foreach (var r in _wanted.Values)
                if (r.OccupiesServerSlot) occupied++;
            if (occupied >= maxRegistrations) return false; // a release in flight frees a slot; Released() retries then
            return registration.TryBeginSubscribe(connection);
        }
    }

    /// <summary>Asked after every await of a subscribe request, right before it is sent.</summary>
    public bool IsStillSubscribing(TrKeyRegistration registration, long connection)
    {
        lock (_lock) return !_closing && registration.State == TrKeyRegistrationState.Subscribing && registration.Connection == connection
            && registration.IsWanted;
    }

    /// <summary>Asked right before a release request is sent.</summary>
    public bool IsStillReleasing(TrKeyRegistration registration, long connection)
    {
        lock (_lock) return registration.State == TrKeyRegistrationState.Releasing && registration.Connection == connection;
    }

    /// <summary>The server accepted a subscribe request sent on <paramref name="connection"/>.</summary>
    public AcceptOutcome Accept(TrKeyRegistration registration, long connection)
    {
        lock (_lock)
        {
            if (registration.State != TrKeyRegistrationState.Subscribing || registration.Connection != connection) return AcceptOutcome.Stale;
            registration.Accept();
            if (registration.IsWanted && !_closing) return AcceptOutcome.Active;
            registration.BeginRelease();
            MoveToReleasing(registration);
            return AcceptOutcome.ReleaseNeeded;
        }
    }

    /// <summary>
    /// The subscribe request sent on <paramref name="connection"/> got no reply in time: returns the timeouts in a row,
    /// or null when the reply won the race and <see cref="Accept"/> took it (then the request did not time out).
    /// </summary>
    public int? CountTimeout(TrKeyRegistration registration, long connection)
    {
        lock (_lock)
        {
            var acceptedMeanwhile = registration.Connection == connection
                && registration.State is TrKeyRegistrationState.Active or TrKeyRegistrationState.Releasing;
            return acceptedMeanwhile ? null : registration.TimedOut();
        }
    }

    /// <summary>A registration accepted before was refused: returns the refusals before this one (for the backoff).</summary>
    public int CountRefusal(TrKeyRegistration registration)
    {
        lock (_lock) return registration.Refused();
    }

    /// <summary>A subscribe request was not sent or not answered in a way that ends it: back to Pending (or gone when unwanted).</summary>
    public void Requeue(TrKeyRegistration registration, long connection)
    {
        lock (_lock)
        {
            if (registration.State != TrKeyRegistrationState.Subscribing || registration.Connection != connection) return;
            if (registration.IsWanted && !_closing)
            {
                registration.Requeue();
                return;
            }
            registration.Release();
            Drop(registration);
        }
    }

    /// <summary>Ends a registration for good; returns its consumers (to be completed outside the lock).</summary>
    public LocalSubscriber[] Fail(TrKeyRegistration registration)
    {
        lock (_lock)
        {
            if (registration.IsTerminal || registration.State == TrKeyRegistrationState.Releasing) return [];
            registration.Fail();
            Drop(registration);
            var subscribers = registration.Subscribers;
            registration.Subscribers = [];
            return subscribers;
        }
    }

    /// <summary>The release a draining subscriber waited for was answered (or given up): it takes no more records.</summary>
    public void EndDrain(TrKeyRegistration registration)
    {
        lock (_lock) registration.Draining = [];
    }

    /// <summary>The server confirmed a release (or the registration ended with its connection).</summary>
    public void Released(TrKeyRegistration registration)
    {
        lock (_lock)
        {
            if (registration.State != TrKeyRegistrationState.Releasing) return;
            registration.Release();
            _releasing.Remove(registration);
            RebuildRoutes();
            CheckSettled();
        }
    }

    /// <summary>
    /// The connection is gone and the server forgot its registrations: Subscribing and Active ones go back to Pending
    /// (replayed on the next connection), Releasing ones are released.
    /// </summary>
    public void OnConnectionLost()
    {
        lock (_lock)
        {
            foreach (var r in _wanted.Values.ToList())
            {
                if (r.State is not (TrKeyRegistrationState.Subscribing or TrKeyRegistrationState.Active)) continue;
                if (r.IsWanted)
                {
                    r.Requeue();
                    continue;
                }
                r.Release(); // its consumers left while its request was in flight: nothing to replay
                _wanted.Remove((r.Tr.TrId, r.Key));
            }
            foreach (var r in _releasing) r.Release();
            _releasing.Clear();
            RebuildRoutes();
            CheckSettled();
        }
    }

    /// <summary>Wanted registrations waiting to be sent, oldest first.</summary>
    public List<TrKeyRegistration> Pending()
    {
        lock (_lock)
        {
            var pending = new List<TrKeyRegistration>();
            foreach (var r in _wanted.Values)
                if (r.State == TrKeyRegistrationState.Pending && r.IsWanted) pending.Add(r);
            return pending;
        }
    }

    /// <summary>
    /// Starts shutdown: no new consumers or requests; Active registrations become Releasing (returned, to be
    /// released); Pending ones end. Returns every consumer, to be completed outside the lock.
    /// </summary>
    public (List<TrKeyRegistration> ToRelease, List<TrKeyRegistration> Ended, LocalSubscriber[] Subscribers) BeginShutdown()
    {
        lock (_lock)
        {
            _closing = true;
            var toRelease = new List<TrKeyRegistration>();
            var ended = new List<TrKeyRegistration>();
            var subscribers = new List<LocalSubscriber>();
            foreach (var r in _wanted.Values.ToList())
            {
                subscribers.AddRange(r.Subscribers);
                r.Subscribers = [];
                if (r.State == TrKeyRegistrationState.Active)
                {
                    r.BeginRelease();
                    MoveToReleasing(r);
                    toRelease.Add(r);
                }
                else if (r.State == TrKeyRegistrationState.Pending)
                {
                    r.Release();
                    Drop(r);
                    ended.Add(r);
                }
                else ended.Add(r); // Subscribing: its reply releases it (Accept sees _closing)
            }
            _settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            CheckSettled();
            return (toRelease, ended, subscribers.ToArray());
        }
    }

    /// <summary>After <see cref="BeginShutdown"/>: completes when no request is in flight any more.</summary>
    public Task WhenSettled
    {
        get
        {
            lock (_lock) return _settled?.Task ?? Task.CompletedTask;
        }
    }

    private void CheckSettled()
    {
        if (_settled is null || _releasing.Count > 0) return;
        foreach (var r in _wanted.Values)
            if (r.State == TrKeyRegistrationState.Subscribing) return;
        _settled.TrySetResult();
    }

    private void MoveToReleasing(TrKeyRegistration registration)
    {
        _wanted.Remove((registration.Tr.TrId, registration.Key));
        _releasing.Add(registration);
        RebuildRoutes();
    }

    private void Drop(TrKeyRegistration registration)
    {
        _wanted.Remove((registration.Tr.TrId, registration.Key));
        RebuildRoutes();
        CheckSettled();
    }

    private void RebuildRoutes() => _routes = RouteTable.Build(_wanted.Values, _releasing);
}

/// <summary>How (TR, key) pairs compare: an HTS ID without regard to case (KIS accepts it so), every other key exactly.</summary>
internal static class RegistrationKeys
{
    public static readonly IEqualityComparer<(TrId TrId, string Key)> Comparer = new KeyComparer();

    /// <summary>TRs keyed by the HTS ID (notices): their records' first field is cust_id, not the key.</summary>
    public static bool IsHtsIdKeyed(TrDefinition tr) => tr.KeyFormat == TrKeyFormat.HtsId;

    public static StringComparer For(TrDefinition tr) => IsHtsIdKeyed(tr) ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private static StringComparer For(TrId trId) => KisTrs.TryGet(trId, out var tr) ? For(tr) : StringComparer.Ordinal;

    private sealed class KeyComparer : IEqualityComparer<(TrId TrId, string Key)>
    {
        public bool Equals((TrId TrId, string Key) x, (TrId TrId, string Key) y) => x.TrId == y.TrId && For(x.TrId).Equals(x.Key, y.Key);

        public int GetHashCode((TrId TrId, string Key) obj) => HashCode.Combine(obj.TrId, For(obj.TrId).GetHashCode(obj.Key));
    }
}
