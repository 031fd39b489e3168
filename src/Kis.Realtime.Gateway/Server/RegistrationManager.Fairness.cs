using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway;

/// <summary>
/// Fairness between broker users (issue 30): the share of the app keys' registrations one user may hold or leave
/// lingering, and the displacement of the longest-lingering registration when every registration is taken.
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
            catch (KisSubscriptionLimitException) when (EvictOldestLingering(entry) is { } evicted)
            {
                await evicted.ConfigureAwait(false);
            }
        }
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
