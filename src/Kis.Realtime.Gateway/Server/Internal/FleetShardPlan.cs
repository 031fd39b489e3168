namespace Kis.Realtime.Gateway.Internal;

/// <summary>One shard of a fleet: its name (null: the claims shard), its app keys and the registrations it holds.</summary>
internal sealed record FleetShardPlan(string? Shard, IReadOnlyList<KisCredential> Credentials, IReadOnlyList<FleetRegistration> Registrations)
{
    /// <summary>The shard's name in statuses and logs.</summary>
    public string Name => Shard ?? KisGatewayFleet.ClaimsShardName;
}
