using Kis.Realtime.Session;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Fairness between broker users (issues 30, 45): the share of the app keys' registrations one user may hold or leave
/// lingering; when every registration is taken, first the one that has lingered longest makes room, then a user holding
/// more than the newcomer would after one more yields its newest registration (max-min fairness over the users with
/// demand: the share shrinks as users arrive, down to an equal split).
/// </summary>
internal sealed partial class RegistrationManager
{
    /// <summary>Under the gate: whether <paramref name="entry"/> counts against <paramref name="user"/>'s share.</summary>
    private static bool CountsFor(Entry entry, string user)
    {
        if (entry.LingeringFor == user) return true;
        foreach (var holder in entry.Leases.Keys)
            if (holder.User == user) return true;
        return false;
    }

    /// <summary>Under the gate: the registrations counted against <paramref name="user"/>'s share.</summary>
    private int RegistrationsOf(string user)
    {
        var registrations = 0;
        foreach (var entry in _entries.Values)
            if (CountsFor(entry, user)) registrations++;
        return registrations;
    }

    /// <summary>Lingering registrations released to make room for a new key (every registration was taken).</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>
    /// Opens the feed; when every session is full and some registration lingers, wanted by nobody, the one that has
    /// lingered longest is released first and the open tried again (as often as lingering ones remain).
    /// </summary>
    private async Task<KisRecordFeed> OpenFeedAsync(Entry entry)
    {
        while (true)
        {
            try
            {
                return await _client.OpenRecordFeedAsync(entry.Tr, entry.Key, _stopping.Token).ConfigureAwait(false);
            }
            catch (KisSubscriptionLimitException) when ((EvictOldestLingering(entry) ?? YieldToRequester(entry)) is { } evicted)
            {
                await evicted.ConfigureAwait(false);
            }
        }
    }

    /// <summary>Registrations released from a user over its fair share for a user under it.</summary>
    public long Yielded => Interlocked.Read(ref _yielded);

    /// <summary>
    /// Every registration is taken and none lingers: the user counted for the most registrations yields one to the
    /// requester of <paramref name="opening"/> when it holds more than the requester would hold with it (so it still holds
    /// at least as many after); ties go to the user whose newest registration is newest. It yields its newest registration
    /// claimed by it alone (never one another user or the gateway also claims): its consumers' claims end (their renewal
    /// says so). Null when no user is over the requester's share: the request gets KIS's <c>limit</c>.
    /// </summary>
    private Task? YieldToRequester(Entry opening)
    {
        lock (_gate)
        {
            if (_disposed || RequesterOf(opening) is not { } requester) return null;
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var newestSole = new Dictionary<string, Entry>(StringComparer.Ordinal);
            var users = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in _entries.Values)
            {
                if (entry == opening) continue;
                users.Clear();
                var gatewayHolds = false;
                foreach (var holder in entry.Leases.Keys)
                    if (holder.User is { } user) users.Add(user);
                    else gatewayHolds = true;
                if (entry.LingeringFor is { } lingering) users.Add(lingering);
                foreach (var user in users) counts[user] = counts.GetValueOrDefault(user) + 1;
                if (users.Count == 1 && !gatewayHolds && entry.State == GatewayRegistrationState.Active && users.First() is var sole && sole != requester
                    && (!newestSole.TryGetValue(sole, out var newest) || entry.Number > newest.Number))
                    newestSole[sole] = entry;
            }
            var yieldable = newestSole.ToDictionary(p => p.Key, p => p.Value.Number, StringComparer.Ordinal);
            if (FairShare.WhoYields(counts, yieldable, requester) is not { } from) return null;
            var yielding = newestSole[from];
            Interlocked.Increment(ref _yielded);
            Log.Yielded(_logger, yielding.Tr.Id, yielding.Key, RequestGuard.ForLog(from), counts[from], RequestGuard.ForLog(requester),
                counts.GetValueOrDefault(requester), opening.Tr.Id, opening.Key);
            yielding.Leases.Clear();
            Release(yielding);
            return yielding.Closed;
        }
    }

    /// <summary>Under the gate: the broker user a registration is being opened for (null: the gateway's own, or a restore).</summary>
    private static string? RequesterOf(Entry opening)
    {
        foreach (var holder in opening.Leases.Keys)
            if (holder.User is { } user) return user;
        return null;
    }

    /// <summary>Releases the registration that has lingered longest (not <paramref name="opening"/>); null when none lingers.</summary>
    private Task? EvictOldestLingering(Entry opening)
    {
        lock (_gate)
        {
            Entry? oldest = null;
            foreach (var entry in _entries.Values)
                if (entry != opening && entry.State == GatewayRegistrationState.Lingering && (oldest is null || entry.LingerUntil < oldest.LingerUntil))
                    oldest = entry;
            if (oldest is null || _disposed) return null;
            Interlocked.Increment(ref _evicted);
            Log.Evicted(_logger, oldest.Tr.Id, oldest.Key, opening.Tr.Id, opening.Key);
            Release(oldest);
            return oldest.Closed;
        }
    }
}
