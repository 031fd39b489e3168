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
    /// <summary>Lingering registrations released to make room for a new key (every registration was taken).</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>
    /// Opens the feed; when every session is full and some registration lingers, wanted by nobody, the one that has
    /// lingered longest is released first and the open tried again (as often as lingering ones remain).
    /// </summary>
    private async Task<KisRecordFeed> OpenFeedAsync(Registration entry)
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
    private Task? YieldToRequester(Registration opening)
    {
        lock (_gate)
        {
            if (_disposed || opening.Requester is not { } requester) return null;
            if (_table.WhoYields(opening, requester) is not (var yielding, var from, var fromHeld, var requesterHeld)) return null;
            Interlocked.Increment(ref _yielded);
            Log.Yielded(_logger, yielding.Tr.Id, yielding.Key, RequestGuard.ForLog(from), fromHeld, RequestGuard.ForLog(requester),
                requesterHeld, opening.Tr.Id, opening.Key);
            yielding.Leases.Clear();
            Release(yielding);
            return yielding.Closed;
        }
    }

    /// <summary>Releases the registration that has lingered longest (not <paramref name="opening"/>); null when none lingers.</summary>
    private Task? EvictOldestLingering(Registration opening)
    {
        lock (_gate)
        {
            if (_table.OldestLingering(opening) is not { } oldest || _disposed) return null;
            Interlocked.Increment(ref _evicted);
            Log.Evicted(_logger, oldest.Tr.Id, oldest.Key, opening.Tr.Id, opening.Key);
            Release(oldest);
            return oldest.Closed;
        }
    }
}
