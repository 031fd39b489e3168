namespace Kis.Realtime.Gateway.PostgreSql;

/// <summary>
/// How far <see cref="KisPostgresStreamWriter"/>'s stored history is behind what the gateway confirmed
/// (<see cref="KisPostgresStreamWriter.Lag"/>), measured against the active gateway's checkpoints on <c>{ns}.gateway-runs</c>:
/// it is the same whether the writer runs in the active gateway, in a standby or in a process of its own.
/// </summary>
/// <param name="Records">Records the gateway's checkpoints say the broker confirmed that the writer has not stored yet.</param>
/// <param name="Age">How long the oldest of them has been owed, from the moment the writer read the checkpoint naming it (zero when none).</param>
/// <param name="Behind">
/// <paramref name="Age"/> is <see cref="KisPostgresStreamWriterOptions.BehindAfter"/> or more: the writer does not keep up
/// (database down or slow, a stream it cannot read). <c>kisrt gateway</c> says BEHIND on its status lines, logs it, and
/// <see cref="KisPostgresStreamWriterHealthCheck"/> reports Unhealthy.
/// </param>
/// <param name="Checkpoints">Checkpoints read. Zero: the writer has not read the gateway's runs stream (no gateway ran yet, or
/// its broker user may not read <c>{ns}.gateway-runs</c>), so the lag is unknown, not zero.</param>
/// <param name="LastCheckpointAt">When the writer read the last checkpoint (its own clock); null before the first.</param>
public sealed record KisPostgresWriterLag(long Records, TimeSpan Age, bool Behind, long Checkpoints, DateTimeOffset? LastCheckpointAt);
