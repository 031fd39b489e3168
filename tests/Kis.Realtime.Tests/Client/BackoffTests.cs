using Kis.Realtime.Session;

namespace Kis.Realtime.Tests.Client;

public sealed class BackoffTests
{
    [Fact]
    public void Backoff_doubles_from_the_minimum_to_the_maximum_with_jitter()
    {
        var min = TimeSpan.FromMilliseconds(500);
        var max = TimeSpan.FromSeconds(30);
        // The first retry comes within ~1 s: 0.4–0.6 s with the defaults.
        Assert.Equal(TimeSpan.FromMilliseconds(400), Kis.Realtime.Retry.ExponentialBackoff.Compute(0, min, max, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(600), Kis.Realtime.Retry.ExponentialBackoff.Compute(0, min, max, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), Kis.Realtime.Retry.ExponentialBackoff.Compute(1, min, max, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), Kis.Realtime.Retry.ExponentialBackoff.Compute(2, min, max, 0.5));
        Assert.Equal(max, Kis.Realtime.Retry.ExponentialBackoff.Compute(10, min, max, 0.5));
        Assert.Equal(max, Kis.Realtime.Retry.ExponentialBackoff.Compute(int.MaxValue, min, max, 0.5));
        Assert.True(Kis.Realtime.Retry.ExponentialBackoff.Compute(100, min, max, 0.999) <= max * 1.2);
    }

    [Fact]
    public void Every_retry_loop_backoff_doubles_to_its_cap_with_jitter_and_starts_over_after_a_success()
    {
        var backoff = new Kis.Realtime.Retry.ExponentialBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        for (var failures = 0; failures < 12; failures++)
        {
            var expected = Math.Min(5000, 100 * Math.Pow(2, failures));
            Assert.InRange(backoff.Current.TotalMilliseconds, expected * 0.8, expected * 1.2);
            backoff.Grow();
        }
        backoff.Reset();
        Assert.InRange(backoff.Current.TotalMilliseconds, 80, 120);
        // Jittered: loops dropped together (a broker restart) do not wait the same delays.
        var other = new Kis.Realtime.Retry.ExponentialBackoff(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        var delays = Enumerable.Range(0, 20).Select(_ => { other.Grow(); return other.Current; }).ToHashSet();
        Assert.True(delays.Count > 1);
    }

    [Fact]
    public void Opsp8996_retries_of_a_fleet_double_from_its_first_delay_up_to_the_clients_65_s()
    {
        // Before: every OPSP8996 waited the fleet's 2 s (jittered), ~6 tries a minute for as long as KIS kept the key.
        var fleet = KisRealtimeOptions.Default with { AppKeyInUseFirstRetryDelay = TimeSpan.FromSeconds(2) };
        var seconds = Enumerable.Range(0, 8).Select(n => KisSession.AppKeyInUseDelay(n, fleet, 0.5).TotalSeconds).ToArray();
        Assert.Equal([2, 4, 8, 16, 32, 64, 65, 65], seconds);
        // A single client keeps its one fixed delay.
        Assert.Equal(TimeSpan.FromSeconds(65), KisSession.AppKeyInUseDelay(0, KisRealtimeOptions.Default, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(65), KisSession.AppKeyInUseDelay(5, KisRealtimeOptions.Default, 0.5));
    }
}
