namespace Kis.Realtime.Gateway;

/// <summary>One fleet process's view (<see cref="KisGatewayFleet.Status"/>).</summary>
/// <param name="Process">The process's name.</param>
/// <param name="LiveProcesses">Live processes of the fleet at the last count.</param>
/// <param name="FairShare">The most shards one process holds when balanced.</param>
/// <param name="Shards">Every shard, held here or not.</param>
public sealed record GatewayFleetStatus(string Process, int LiveProcesses, int FairShare, IReadOnlyList<GatewayFleetShardStatus> Shards);

/// <summary>One shard as a fleet process sees it.</summary>
/// <param name="Shard">The shard's name: the app key's index, or <see cref="KisGatewayFleet.ClaimsShardName"/>.</param>
/// <param name="Role">Whether this process holds it.</param>
/// <param name="AppKeys">Its app keys (1; the claims shard: the spare ones).</param>
/// <param name="Registrations">The universe's registrations it holds.</param>
/// <param name="HandedOver">Times this process handed it over to balance the fleet.</param>
/// <param name="Gateway">Its gateway's status while this process runs it, else null.</param>
public sealed record GatewayFleetShardStatus(string Shard, GatewayRole Role, int AppKeys, int Registrations, long HandedOver, GatewayStatus? Gateway);
