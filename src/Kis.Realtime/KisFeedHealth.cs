namespace Kis.Realtime;

/// <summary>
/// One source of a <see cref="KisMergedClient"/>, as of a snapshot: how much it brought, how much of it others brought
/// first, how far it runs behind, and its own connection's state, reconnects and gaps (those the merge covered from the
/// other sources are not gaps of the merged tape).
/// </summary>
public sealed record KisFeedHealth
{
    /// <summary>The source's name (<see cref="KisMergeOptions.SourceNames"/>).</summary>
    public required string Name { get; init; }
    /// <summary>Its state.</summary>
    public required KisConnectionState State { get; init; }
    /// <summary>Records it delivered to the merge.</summary>
    public required long Records { get; init; }
    /// <summary>Of them, those it delivered first (they went out on the merged tape from this source).</summary>
    public required long FirstDelivered { get; init; }
    /// <summary>Of them, copies of records another source delivered first: suppressed.</summary>
    public required long DuplicatesSuppressed { get; init; }
    /// <summary>Trades it brought after their hole was given up on (sent late, once).</summary>
    public required long LateTrades { get; init; }
    /// <summary>
    /// Trades it brought behind the tape, inside holes given up on so long ago that they are no longer remembered
    /// (<see cref="KisMergeOptions.MaxKeptPerKey"/>), which could not be told from copies of trades sent as long ago: not
    /// sent, counted here (a trade of such a hole is sent late while the trades sent since are still remembered).
    /// </summary>
    public long UnplacedTrades { get; init; }
    /// <summary>How long after the first copy its last suppressed copy came (null: none yet): how far behind it runs.</summary>
    public TimeSpan? Lag { get; init; }
    /// <summary>The largest such lag.</summary>
    public TimeSpan MaxLag { get; init; }
    /// <summary>When its last record arrived (null: none yet): a source silent while others deliver is stale.</summary>
    public DateTimeOffset? LastRecordAt { get; init; }
    /// <summary>Its reconnects (from its own statistics).</summary>
    public required long Reconnects { get; init; }
    /// <summary>Gaps of its own tape (from its own statistics); the merged tape has a gap only where every source has one.</summary>
    public required long Gaps { get; init; }
    /// <summary>Subscriptions of it that failed (refused, or the source gave up); the others carried on.</summary>
    public required long SubscriptionFailures { get; init; }
    /// <summary>The last such failure, in words.</summary>
    public string? LastFailure { get; init; }

    /// <summary>Why it could not connect when the merged client connected (null: it did); its subscriptions try again.</summary>
    public string? ConnectFailure { get; init; }

    /// <summary>One line for a console: name, state, records, first, duplicates, lag, reconnects, gaps.</summary>
    public override string ToString() =>
        $"{Name}: {State.ToString().ToLowerInvariant()}, records {Records}, first {FirstDelivered}, duplicates {DuplicatesSuppressed}"
        + (LateTrades > 0 ? $", late {LateTrades}" : "")
        + (UnplacedTrades > 0 ? $", unplaced trades {UnplacedTrades} (behind a hole given up long ago: not sent)" : "")
        + (Lag is { } lag ? $", lag {lag.TotalMilliseconds:0} ms (max {MaxLag.TotalMilliseconds:0} ms)" : "")
        + $", reconnects {Reconnects}, own gaps {Gaps}"
        + (ConnectFailure is { } failure ? $", did not connect at start ({failure})" : "")
        + (SubscriptionFailures > 0 ? $", failed subscriptions {SubscriptionFailures} ({LastFailure})" : "");
}
