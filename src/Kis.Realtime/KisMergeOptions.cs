namespace Kis.Realtime;

/// <summary>
/// How a <see cref="KisMergedClient"/> merges redundant sources (docs/library.md, "Redundant feeds"). The defaults suit
/// two KIS sessions side by side, or a direct session beside a gateway.
/// </summary>
public sealed record KisMergeOptions
{
    /// <summary>The defaults.</summary>
    public static KisMergeOptions Default { get; } = new();

    /// <summary>
    /// How long a trade after a hole in the tape waits for another source to bring the hole's trades (default 1 s). It
    /// waits less when every source has already gone past the hole: then no source will bring them and the hole is a gap
    /// at once. A trade of a hole given up on that comes later still goes out once, late (counted per source).
    /// </summary>
    public TimeSpan ReorderWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the content of a record without a sequence (a book, a notice, an index or ETF figure) is remembered to
    /// suppress another source's copy of it (default 10 s): a source further behind than this has its copies sent again.
    /// </summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Per subscription: records remembered and trades waiting at most (default 8,192), so memory stays bounded per key
    /// whatever the sources do.
    /// </summary>
    public int MaxKeptPerKey { get; init; } = 8192;

    /// <summary>Per subscription: records of all sources queued for the merge before a source waits (default 10,000).</summary>
    public int QueuedRecordsPerSubscription { get; init; } = 10_000;

    /// <summary>The sources' names in <see cref="KisMergedClient.GetFeedHealth"/> (default A, B, C …).</summary>
    public IReadOnlyList<string>? SourceNames { get; init; }

    /// <summary>Whether disposing the merged client disposes its sources (default true).</summary>
    public bool OwnsSources { get; init; } = true;

    /// <summary>
    /// Where the merged client logs each source's own gap, named, and whether the other sources covered it (event 2404;
    /// null: nowhere). The sources' own gap lines (2401) do not know the merge: kisrt's A/B mode leaves them out.
    /// </summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock the windows run on.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate(int sources)
    {
        if (ReorderWindow < TimeSpan.Zero) throw new ArgumentException("ReorderWindow cannot be negative.", nameof(ReorderWindow));
        if (DuplicateWindow <= TimeSpan.Zero) throw new ArgumentException("DuplicateWindow must be positive.", nameof(DuplicateWindow));
        if (MaxKeptPerKey < 16) throw new ArgumentException("MaxKeptPerKey must be at least 16.", nameof(MaxKeptPerKey));
        if (QueuedRecordsPerSubscription < 1)
            throw new ArgumentException("QueuedRecordsPerSubscription must be at least 1.", nameof(QueuedRecordsPerSubscription));
        if (SourceNames is not null && SourceNames.Count != sources)
            throw new ArgumentException($"SourceNames names {SourceNames.Count} sources; there are {sources}.", nameof(SourceNames));
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
