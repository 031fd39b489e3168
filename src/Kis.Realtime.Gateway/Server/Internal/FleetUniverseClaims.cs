using System.Collections.Concurrent;
using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The fleet's universe keys each consumer claimed at this gateway (as routing keys). They register nothing, so the
/// registrations' leases never list them; the renew answer adds them, or the consumer would claim them again at every
/// renewal. Thread-safe: requests are answered concurrently.
/// </summary>
internal sealed class FleetUniverseClaims
{
    private readonly ConcurrentDictionary<GatewayIdentity, ConcurrentDictionary<string, byte>> _claims = new();

    public void Claim(GatewayIdentity identity, string trId, string key)
        => _claims.GetOrAdd(identity, _ => new(StringComparer.Ordinal)).TryAdd(GatewayWire.RoutingKey(trId, key), 0);

    /// <summary>Releases <paramref name="identity"/>'s own claim only: another identity's is not its to release.</summary>
    public void Release(GatewayIdentity identity, string trId, string key)
    {
        if (_claims.TryGetValue(identity, out var claimed)) claimed.TryRemove(GatewayWire.RoutingKey(trId, key), out _);
    }

    /// <summary>Adds the routing keys <paramref name="identity"/> claimed to <paramref name="held"/>.</summary>
    public void AddTo(GatewayIdentity identity, List<string> held)
    {
        if (_claims.TryGetValue(identity, out var claimed)) held.AddRange(claimed.Keys);
    }
}
