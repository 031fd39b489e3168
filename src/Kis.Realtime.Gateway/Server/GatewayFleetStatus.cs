namespace Kis.Realtime.Gateway;

/// <summary>One fleet process's view (<see cref="KisGatewayFleet.Status"/>).</summary>
/// <param name="Process">The process's name.</param>
/// <param name="LiveProcesses">Live processes of the fleet at the last count.</param>
/// <param name="FairShare">The most shards one process holds when balanced.</param>
/// <param name="Shards">Every shard, held here or not.</param>
/// <param name="PlanFingerprint">A hash of this process's plan (app keys and universe in order, no secret).</param>
/// <param name="OtherPlanProcesses">Live processes in the namespace on another plan: each one is a misconfiguration.</param>
public sealed record GatewayFleetStatus(string Process, int LiveProcesses, int FairShare, IReadOnlyList<GatewayFleetShardStatus> Shards,
    string PlanFingerprint = "", int OtherPlanProcesses = 0)
{
    /// <summary>When the process published this status (<see cref="KisGatewayFleet.ReadStatusAsync"/>); null for
    /// <see cref="KisGatewayFleet.Status"/>.</summary>
    public DateTimeOffset? PublishedAt { get; init; }

    /// <summary>The process left the fleet (a clean stop: every shard handed on): its last published status, holding no
    /// shard. A reader lists it as gone, not as a standby; false for a process still in the fleet.</summary>
    public bool Left { get; init; }
}

/// <summary>One shard as a fleet process sees it.</summary>
/// <param name="Shard">The shard's name: the app key's index, or <see cref="KisGatewayFleet.ClaimsShardName"/>.</param>
/// <param name="Role">Whether this process holds it.</param>
/// <param name="AppKeys">Its app keys (1; the claims shard: the spare ones).</param>
/// <param name="Registrations">The universe's registrations it holds.</param>
/// <param name="HandedOver">Times this process handed it over to balance the fleet.</param>
/// <param name="Gateway">Its gateway's status while this process runs it, else null.</param>
/// <param name="Failure">Why this process could not serve it at its last try (the exception's type; a broker's refusal
/// with its AMQP code and method), until it serves it again; null when it did or never tried. After such a failure the
/// process leaves the shard's election for a back-off.</param>
/// <param name="BrokerProblem">Why this process is not a candidate in the shard's election (the broker unreachable, its
/// credentials refused: <see cref="KisGatewayElection.BrokerProblem"/>), or null while it is one: a standby with a problem
/// could not take the shard over.</param>
public sealed record GatewayFleetShardStatus(string Shard, GatewayRole Role, int AppKeys, int Registrations, long HandedOver, GatewayStatus? Gateway,
    string? Failure = null, string? BrokerProblem = null)
{
    /// <summary>Whether <see cref="BrokerProblem"/> has lasted two election heartbeats (a broker blip does not).</summary>
    public bool BrokerProblemPersists { get; init; }

    /// <summary>Records this process's terms of the shard dropped when their lock was lost (<see cref="GatewayStatus.Fenced"/>), all terms together.</summary>
    public long Fenced { get; init; }

    /// <summary>Records this process's ended terms of the shard received, all terms together (their gateways' final figures).</summary>
    public long EndedReceived { get; init; }

    /// <summary>Records of those terms the broker confirmed.</summary>
    public long EndedConfirmed { get; init; }

    /// <summary>Records of those terms dropped because the publish buffer was full.</summary>
    public long EndedOverflowed { get; init; }

    /// <summary>
    /// Records of those terms a stop dropped unconfirmed because its budget (<see cref="KisGatewayFleet.StopAsync"/>) ran out
    /// before the broker confirmed them: the term's publisher was fenced then, so none is published after the next holder's
    /// (who announces them as a gap). Not part of <see cref="Fenced"/>.
    /// </summary>
    public long StopDropped { get; init; }
}
