using Kis.Realtime.Internal;

namespace Kis.Realtime.Tests.Gaps;

/// <summary>Issue 46 item 7: a gap's log line a person can act on.</summary>
public sealed class GapLogLineTests
{
    private static VolumeGap Gap(bool reconnect) => new()
    {
        TrId = "H0STCNT0", Key = "005930", Kind = VolumeGapKind.Missing, MissingVolume = 100, MissingTradesAtLeast = 1,
        From = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.FromHours(9)), To = new DateTimeOffset(2026, 11, 23, 10, 1, 0, TimeSpan.FromHours(9)),
        AcrossReconnect = reconnect,
    };

    [Fact]
    public void A_gap_line_has_no_empty_rate_limit_tail_and_says_when_a_reconnect_came_between()
    {
        using var provider = new Client.CapturingLoggerProvider();
        using var gaps = new ClientGaps(true, provider.CreateLogger("gaps"), TimeProvider.System, null);
        gaps.Report(Gap(reconnect: false));
        gaps.Report(Gap(reconnect: true));
        var lines = provider.Lines.ToArray();
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.DoesNotContain("not logged", l));
        Assert.DoesNotContain("reconnect", lines[0]);
        Assert.Contains("100 missed between 10:00:00 and 10:01:00 KST (cumulative volume), with a reconnect between them", lines[1]);
    }

    [Fact]
    public void Lines_held_back_by_the_rate_limit_are_counted_on_the_next_line()
    {
        var clock = new Client.FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));
        using var provider = new Client.CapturingLoggerProvider();
        using var gaps = new ClientGaps(true, provider.CreateLogger("gaps"), clock, null);
        for (var i = 0; i < 12; i++) gaps.Report(Gap(reconnect: false)); // ten logged, two held back
        clock.Advance(TimeSpan.FromSeconds(11));
        gaps.Report(Gap(reconnect: false));
        var lines = provider.Lines.ToArray();
        Assert.Equal(11, lines.Length);
        Assert.Contains("; 2 gap(s) before it not logged (rate limit)", lines[^1]);
        Assert.All(lines[..^1], l => Assert.DoesNotContain("not logged", l));
    }
}
