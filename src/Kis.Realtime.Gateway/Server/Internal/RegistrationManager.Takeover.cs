using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// What survives a takeover: the checkpoint of the claims held and each key's last confirmed record (journaled by
/// <see cref="RunJournal"/>), and the restore of the previous run's claims by the gateway that takes over.
/// </summary>
internal sealed partial class RegistrationManager
{
    /// <summary>The claims held now (the gateway's own aside) and, per key registered in this run, its last confirmed record.</summary>
    public (List<GatewayCheckpointClaim> Claims, List<GatewayCheckpointKey> Keys) Checkpoint()
    {
        var claims = new List<GatewayCheckpointClaim>();
        var keys = new List<GatewayCheckpointKey>();
        lock (_gate)
        {
            foreach (var entry in _table.Live)
            {
                foreach (var holder in entry.Leases.Keys)
                    if (holder.User is { } user) claims.Add(new GatewayCheckpointClaim(user, holder.Consumer, entry.Route?.TrId ?? entry.Tr.Id, entry.Key));
                AddKey(entry);
            }
            foreach (var entry in _table.Released)
                if (!_table.IsLive(entry.Tr.Id, entry.Key)) AddKey(entry);
        }
        claims.Sort((a, b) => string.CompareOrdinal(a.Tr + "." + a.Key + "/" + a.User + "/" + a.Consumer,
            b.Tr + "." + b.Key + "/" + b.User + "/" + b.Consumer));
        keys.Sort((a, b) => string.CompareOrdinal(a.Tr + "." + a.Key, b.Tr + "." + b.Key));
        return (claims, keys);

        void AddKey(Registration entry)
        {
            if (entry.Route is not { } route) return;
            if (route.Confirmed is { Sequence: > 0 } confirmed)
                keys.Add(new GatewayCheckpointKey(route.TrId, route.Key, confirmed.Sequence, confirmed.ReceivedAtMicros));
            else if (_previous?.OnStream(route.TrId, route.Key) is { Known: true } before) // carried on (seq 0: the stream has none)
                keys.Add(new GatewayCheckpointKey(route.TrId, route.Key, before.Last?.Seq ?? 0, before.Last?.At ?? 0)
                {
                    Run = before.Last?.Run ?? _previous.Checkpoint.Run,
                });
        }
    }

    /// <summary>
    /// Claims again what the previous run's last checkpoint held, for the same users and consumer ids, each as if its
    /// consumer had asked (quotas apply; a bad entry or KIS's refusal is logged and skipped): consumers keep their
    /// registrations across a takeover without asking. Returns the claims restored.
    /// </summary>
    public async Task<int> RestoreAsync(IReadOnlyList<GatewayCheckpointClaim> claims)
    {
        var restoring = new List<Task<bool>>();
        foreach (var claim in claims)
        {
            GatewayIdentity identity;
            TrDefinition tr;
            string key;
            try
            {
                identity = RequestGuard.Identify(claim.User, claim.Consumer);
                key = RequestGuard.Key(claim.Key);
                if (!KisTrs.TryGet(claim.Tr ?? "", out tr!) || !tr.IsValidKey(key)) throw new GatewayRefusalException("invalid", "not a TR and key");
                // A fleet's universe key is its shard's: a claim on it from a single gateway's run must not register it twice.
                if (_options.FleetUniverse?.Contains(KisTrs.ForEnvironment(tr, _options.Client.Environment).Id + " " + key) == true) continue;
            }
            catch (GatewayRefusalException e)
            {
                Log.RestoreFailed(_logger, RequestGuard.ForLog(claim.Tr), RequestGuard.ForLog(claim.Key), e.Message);
                continue;
            }
            restoring.Add(RestoreOneAsync(identity, tr, key));
        }
        var restored = 0;
        foreach (var task in restoring) restored += await task.ConfigureAwait(false) ? 1 : 0;
        return restored;
    }

    private async Task<bool> RestoreOneAsync(GatewayIdentity identity, TrDefinition tr, string key)
    {
        try
        {
            await SubscribeAsync(identity, tr, key, _stopping.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is KisSubscriptionException or GatewayRefusalException or ArgumentException or ObjectDisposedException
            or OperationCanceledException or InvalidOperationException)
        {
            if (!_stopping.IsCancellationRequested) Log.RestoreFailed(_logger, tr.Id, key, e.Message);
            return false;
        }
    }
}
