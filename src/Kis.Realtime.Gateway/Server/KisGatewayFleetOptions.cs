using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Gateway;

/// <summary>One registration of a fleet's standing universe: a TR and a key (e.g. H0STCNT0 005930).</summary>
/// <param name="Tr">The TR.</param>
/// <param name="Key">The key (a stock code, an index code …).</param>
public sealed record FleetRegistration(TrDefinition Tr, string Key);

/// <summary>
/// The settings of one process of a gateway fleet (<see cref="KisGatewayFleet"/>). Every process of the fleet must be
/// given the same <see cref="KisRealtimeOptions.Credentials"/> list (e.g. the same credentials file) and the same
/// <see cref="Universe"/>, in the same order: a shard is an app key's index in that list, and the registrations it serves
/// follow from the two lists alone.
/// </summary>
public sealed record KisGatewayFleetOptions
{
    /// <summary>Defaults for everything but the gateway's client and the universe.</summary>
    public static KisGatewayFleetOptions Default { get; } = new();

    /// <summary>The gateway settings every shard's gateway runs with: the client's credentials are the fleet's app keys,
    /// the endpoint's namespace the fleet's (its <see cref="KisGatewayEndpoint.Shard"/> is set per shard).</summary>
    public KisGatewayOptions Gateway { get; init; } = KisGatewayOptions.Default;

    /// <summary>
    /// The standing universe, held for as long as the fleet runs: spread over the app keys in order,
    /// <see cref="KisRealtimeOptions.MaxRegistrationsPerSession"/> (41) each, the first 41 on key 0 and so on. Duplicates (same TR id
    /// and key) count once. Keys it does not need form the claims shard, which answers consumers' ad-hoc claims.
    /// </summary>
    public IReadOnlyList<FleetRegistration> Universe { get; init; } = [];

    /// <summary>How often the process counts the live processes and hands shards beyond its fair share over.</summary>
    public TimeSpan RebalanceInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a shard's gateway first waits before trying again when KIS answers OPSP8996 (the app key in use by another
    /// session); each further OPSP8996 in a row waits twice as long, up to the client's
    /// <see cref="KisRealtimeOptions.AppKeyInUseRetryDelay"/> (65 s), and a healthy connection starts over. In a fleet
    /// that answer mostly means the shard's previous holder is still closing its session (a hand-over), which takes
    /// seconds; after a kill KIS may keep the key for longer, and rapid retries would keep it locked. At least 1 s.
    /// </summary>
    public TimeSpan AppKeyInUseRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The process's name in statuses (e.g. the machine's); null: <c>host:pid</c>.</summary>
    public string? Name { get; init; }

    /// <summary>Checks the options, the universe against the app keys included.</summary>
    /// <exception cref="ArgumentException">An option is out of range, or the universe needs more app keys than given.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Gateway);
        ArgumentNullException.ThrowIfNull(Universe);
        Gateway.Validate();
        if (RebalanceInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RebalanceInterval), "Must be positive.");
        if (AppKeyInUseRetryDelay < TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(AppKeyInUseRetryDelay), "Must be at least 1 s: rapid retries keep KIS's app key slot locked.");
        if (Gateway.Endpoint.Shard is not null)
            throw new ArgumentException("The fleet sets each shard's endpoint: leave Endpoint.Shard null.", nameof(Gateway));
        _ = Plan();
    }

    /// <summary>The shards: one per app key the universe needs (its 41 registrations), then the claims shard of the spare keys, if any.</summary>
    internal IReadOnlyList<FleetShardPlan> Plan()
    {
        var perKey = Gateway.Client.MaxRegistrationsPerSession;
        var keys = Gateway.Client.Credentials;
        var universe = Universe.DistinctBy(r => (r.Tr.Id, r.Key)).ToList();
        var needed = (universe.Count + perKey - 1) / perKey;
        if (needed > keys.Count)
            throw new ArgumentException(
                $"The universe has {universe.Count} registrations: {needed} app keys of {perKey} registrations needed, {keys.Count} given.",
                nameof(Universe));
        var shards = new List<FleetShardPlan>();
        for (var k = 0; k < needed; k++)
        {
            var name = k.ToString(System.Globalization.CultureInfo.InvariantCulture);
            shards.Add(new FleetShardPlan(name, [keys[k]], universe.Skip(k * perKey).Take(perKey).ToList()));
        }
        if (keys.Count > needed) shards.Add(new FleetShardPlan(null, keys.Skip(needed).ToList(), []));
        return shards;
    }
}
