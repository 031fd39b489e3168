namespace Kis.Realtime;

/// <summary>How a <see cref="KisReplayClient"/> replays. Start from <see cref="Default"/>: <c>KisReplayOptions.Default with { Speed = 10 }</c>.</summary>
public sealed record KisReplayOptions
{
    /// <summary>As fast as possible, the whole recording.</summary>
    public static KisReplayOptions Default { get; } = new();

    /// <summary>
    /// Null (the default): every record as fast as it can be read. A positive number: paced by the recorded receive
    /// times, this many times faster than they were received (1 is real time, 60 is a minute a second).
    /// </summary>
    public double? Speed { get; init; }

    /// <summary>Records received before this are not delivered (replies before it still teach notice keys). Null: from the start.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Records received after this are not delivered; enumerations end there. Null: to the end of the recording.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>What <see cref="KisReplayClient.HtsId"/> gives the notice helpers when they are not passed one (empty or blank: null).</summary>
    public string? HtsId { get; init => field = string.IsNullOrWhiteSpace(value) ? null : value; }

    /// <summary>The clock that paces a replay with a <see cref="Speed"/> (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Checks every trade subscription for missed trades from the recorded cumulative volume
    /// (<see cref="KisReplayClient.GapDetected"/>, <see cref="KisRealtimeStatistics.Gaps"/>): a recording shows the
    /// gaps its session had. Default: on.
    /// </summary>
    public bool DetectGaps { get; init; } = true;

    /// <summary>
    /// Tasks that decode an unpaced subscription's records at once (its TRs not encrypted; a notice subscription is
    /// decoded by one, as its keys are learned in order). Records arrive in recording order whatever the number.
    /// Null (the default): one per core, at most four; 1: one task, to leave the other cores to other work.
    /// </summary>
    public int? DecodeWorkers { get; init; }

    /// <summary>Where gap detection logs (one line per gap, rate-limited); null: nowhere.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Speed not positive and finite, or To before From.</exception>
    public void Validate()
    {
        if (Speed is { } speed && (!double.IsFinite(speed) || speed <= 0))
            throw new ArgumentOutOfRangeException(nameof(Speed), speed, "Speed is a positive factor (1 = as recorded), or null for as fast as possible.");
        if (From is { } from && To is { } to && to < from)
            throw new ArgumentOutOfRangeException(nameof(To), to, $"To ({to:O}) is before From ({from:O}).");
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (DecodeWorkers is < 1)
            throw new ArgumentOutOfRangeException(nameof(DecodeWorkers), DecodeWorkers, "DecodeWorkers is at least 1 (one task), or null for one per core.");
    }
}
