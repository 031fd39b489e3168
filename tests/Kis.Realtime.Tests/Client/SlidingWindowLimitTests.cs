using Kis.Realtime.Retry;

namespace Kis.Realtime.Tests.Client;

/// <summary>The one rate limit (connection attempts per app key, gateway requests per broker user).</summary>
public sealed class SlidingWindowLimitTests
{
    [Fact]
    public void No_window_ever_holds_more_than_the_limit()
    {
        // A token bucket of 6 refilled 6 a minute lets a minute that starts full see 11 attempts; the window lets 6.
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var limit = new SlidingWindowLimit(6, TimeSpan.FromMinutes(1), clock);
        var taken = new List<TimeSpan>();
        for (var t = TimeSpan.Zero; t < TimeSpan.FromMinutes(5); t += TimeSpan.FromSeconds(1))
        {
            if (limit.TryRecord()) taken.Add(t);
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(30, taken.Count); // 6 a minute, sustained
        foreach (var start in taken)
            Assert.InRange(taken.Count(t => t >= start && t < start + TimeSpan.FromMinutes(1)), 1, 6);
    }

    [Fact]
    public void The_delay_is_until_the_oldest_event_leaves_the_window()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var limit = new SlidingWindowLimit(2, TimeSpan.FromSeconds(10), clock);
        Assert.Equal(TimeSpan.Zero, limit.DelayBeforeNext());
        limit.Record();
        clock.Advance(TimeSpan.FromSeconds(4));
        limit.Record();
        Assert.Equal(2, limit.Recent);
        Assert.False(limit.TryRecord());
        Assert.Equal(TimeSpan.FromSeconds(6) + TimeSpan.FromMilliseconds(1), limit.DelayBeforeNext());
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, limit.Recent);
        Assert.True(limit.TryRecord());
        Assert.False(limit.TryRecord());
    }

    [Fact]
    public void A_burst_of_the_whole_limit_is_allowed_at_once()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var limit = new SlidingWindowLimit(80, TimeSpan.FromSeconds(2), clock);
        Assert.Equal(80, Enumerable.Range(0, 100).Count(_ => limit.TryRecord()));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(limit.TryRecord());
    }

    [Fact]
    public void A_fixed_pace_wait_is_jittered_within_twenty_percent()
    {
        var waits = Enumerable.Range(0, 200).Select(_ => ExponentialBackoff.Jittered(TimeSpan.FromSeconds(1))).ToList();
        Assert.All(waits, w => Assert.InRange(w.TotalMilliseconds, 800, 1200));
        Assert.True(waits.Distinct().Count() > 1);
    }
}
