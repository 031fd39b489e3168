using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Internal;

/// <summary><see cref="KisMergedClient"/>'s log lines (event id 2404).</summary>
internal static partial class MergeLog
{
    [LoggerMessage(2404, LogLevel.Warning,
        "Feed {Feed}: {TrId} {Key}: {Volume} missed between {From:HH:mm:ss} and {To:HH:mm:ss} KST (cumulative volume); {Cover}")]
    public static partial void FeedGap(ILogger logger, string feed, string trId, string key, long volume, TimeOnly from, TimeOnly to, string cover);
}
