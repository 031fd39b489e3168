namespace Kis.Realtime.Gateway.Internal;

/// <summary>Why a publisher was fenced; the first fence's cause is the one that counts.</summary>
internal enum FenceCause
{
    /// <summary>Not fenced.</summary>
    None = 0,

    /// <summary>The run's term is over: a fleet shard's lock lost, or a later run deleted its exchange (<see cref="GatewayStatus.Fenced"/>).</summary>
    TermOver = 1,

    /// <summary>A stop's budget ran short (<see cref="GatewayStatus.StopDropped"/>).</summary>
    Stop = 2,
}

/// <summary>A publisher's counts at one moment (<see cref="RecordPublisher.Figures"/>).</summary>
/// <param name="Received">Records handed over and taken.</param>
/// <param name="Confirmed">Confirmed by the broker.</param>
/// <param name="Overflowed">Dropped: the buffer was full.</param>
/// <param name="Fenced">Dropped by the fence (held when it was raised, or handed over after).</param>
/// <param name="FencedBy">The fence's cause, <see cref="FenceCause.None"/> when not fenced.</param>
/// <param name="Outstanding">Published and not yet confirmed.</param>
/// <param name="Waiting">Waiting to be published.</param>
/// <param name="NotTaken">Handed over after the intake closed: not received.</param>
internal readonly record struct PublisherFigures(long Received, long Confirmed, long Overflowed, long Fenced, FenceCause FencedBy, long Outstanding,
    long Waiting, long NotTaken);
