using Kis.Realtime.Protocol;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A <see cref="RegistrationManager"/>'s registrations by key, each key's last released registration in this run (a key
/// registered again continues its sequence, so (run, key, seq) names one record for consumers that drop repeats; one
/// small entry per key ever registered), and the counts the users' quotas and fair shares are decided on. Not
/// thread-safe: the manager's one lock guards every call.
/// </summary>
internal sealed class RegistrationTable
{
    private readonly Dictionary<(string Tr, string Key), Registration> _live = new();
    private readonly Dictionary<(string Tr, string Key), Registration> _released = new();
    private long _created;

    /// <summary>The registrations held now (opening, active, lingering).</summary>
    public IEnumerable<Registration> Live => _live.Values;

    /// <summary>Each key's last released registration of this run.</summary>
    public IEnumerable<Registration> Released => _released.Values;

    public bool TryGet(string trId, string key, out Registration registration) => _live.TryGetValue((trId, key), out registration!);

    public bool IsLive(string trId, string key) => _live.ContainsKey((trId, key));

    /// <summary>A new registration of <paramref name="key"/>, numbered in order of creation, after the key's last one.</summary>
    public Registration Add(TrDefinition tr, string key)
    {
        var registration = new Registration(tr, key, ++_created)
        {
            Previous = _released.GetValueOrDefault((tr.Id, key)), FirstInRun = !_released.ContainsKey((tr.Id, key)),
        };
        _live.Add((tr.Id, key), registration);
        return registration;
    }

    /// <summary>Closes one that failed to open: it never numbered a record, so the key's last released one stays.</summary>
    public void RemoveFailed(Registration registration)
    {
        registration.State = GatewayRegistrationState.Closed;
        _live.Remove((registration.Tr.Id, registration.Key));
    }

    /// <summary>Closes one nobody wants: the key's next registration continues from it.</summary>
    public void Release(Registration registration)
    {
        registration.State = GatewayRegistrationState.Closed;
        _live.Remove((registration.Tr.Id, registration.Key));
        _released[(registration.Tr.Id, registration.Key)] = registration;
    }

    /// <summary>Takes every registration held (at disposal): each stays its key's last, for the final checkpoint.</summary>
    public List<Registration> TakeAll()
    {
        var all = _live.Values.ToList();
        _live.Clear();
        foreach (var registration in all) _released[(registration.Tr.Id, registration.Key)] = registration;
        return all;
    }

    /// <summary>The claims every consumer of <paramref name="user"/> holds.</summary>
    public int ClaimsOf(string user)
    {
        var claims = 0;
        foreach (var registration in _live.Values)
            foreach (var holder in registration.Leases.Keys)
                if (holder.User == user) claims++;
        return claims;
    }

    /// <summary>The registrations counted against <paramref name="user"/>'s share.</summary>
    public int RegistrationsOf(string user)
    {
        var registrations = 0;
        foreach (var registration in _live.Values)
            if (registration.CountsFor(user)) registrations++;
        return registrations;
    }

    /// <summary>The registration that has lingered longest, other than <paramref name="opening"/>; null when none lingers.</summary>
    public Registration? OldestLingering(Registration opening)
    {
        Registration? oldest = null;
        foreach (var registration in _live.Values)
            if (registration != opening && registration.State == GatewayRegistrationState.Lingering
                && (oldest is null || registration.LingerUntil < oldest.LingerUntil))
                oldest = registration;
        return oldest;
    }

    /// <summary>
    /// The registration a user over <paramref name="requester"/>'s fair share yields for <paramref name="opening"/>
    /// (<see cref="FairShare.WhoYields"/>): its newest active registration claimed by it alone (never one another user or
    /// the gateway also claims), with the registrations counted against that user and the requester. Null when nobody is
    /// over the requester's share.
    /// </summary>
    public (Registration Yielding, string From, int FromHeld, int RequesterHeld)? WhoYields(Registration opening, string requester)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var newestSole = new Dictionary<string, Registration>(StringComparer.Ordinal);
        var users = new HashSet<string>(StringComparer.Ordinal);
        foreach (var registration in _live.Values)
        {
            if (registration == opening) continue;
            users.Clear();
            var gatewayHolds = false;
            foreach (var holder in registration.Leases.Keys)
                if (holder.User is { } user) users.Add(user);
                else gatewayHolds = true;
            if (registration.LingeringFor is { } lingering) users.Add(lingering);
            foreach (var user in users) counts[user] = counts.GetValueOrDefault(user) + 1;
            if (users.Count == 1 && !gatewayHolds && registration.State == GatewayRegistrationState.Active && users.First() is var sole
                && sole != requester && (!newestSole.TryGetValue(sole, out var newest) || registration.Number > newest.Number))
                newestSole[sole] = registration;
        }
        var yieldable = newestSole.ToDictionary(p => p.Key, p => p.Value.Number, StringComparer.Ordinal);
        if (FairShare.WhoYields(counts, yieldable, requester) is not { } from) return null;
        return (newestSole[from], from, counts[from], counts.GetValueOrDefault(requester));
    }
}
