using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Internal;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 74 finding 5, kisrt's A/B mode: a session's own gap line (2401), which names no feed, is left out (the merged
/// client logs each feed's gap, named: MergedFeedGapTests); every other line of the session passes.
/// </summary>
public sealed class FeedLoggerFactoryTests
{
    [Fact]
    public void A_sessions_own_gap_line_is_left_out_and_its_other_lines_pass()
    {
        using var provider = new Client.CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(provider));
        using var feed = new FeedLoggerFactory(loggers);
        using var gaps = new ClientGaps(true, feed.CreateLogger("Kis.Realtime.KisRealtimeClient"), TimeProvider.System, null);
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, KoreaTime.Offset);
        gaps.Report(new VolumeGap { TrId = "H0STCNT0", Key = "005930", Kind = VolumeGapKind.Missing, MissingVolume = 100, From = at, To = at.AddMinutes(1) });
        gaps.Report(new VolumeGap { TrId = "H0STCNT0", Key = "005930", Kind = VolumeGapKind.Overlap, MissingVolume = -100, From = at, To = at.AddMinutes(1) });
        var line = Assert.Single(provider.Lines);
        Assert.Contains("repeats 100 already seen", line);
        Assert.Equal(1, gaps.Gaps); // counted all the same: the feed's health has it
    }
}
