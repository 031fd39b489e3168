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
        Assert.Equal(TimeSpan.FromMilliseconds(400), KisSession.ComputeBackoff(0, min, max, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(600), KisSession.ComputeBackoff(0, min, max, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), KisSession.ComputeBackoff(1, min, max, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), KisSession.ComputeBackoff(2, min, max, 0.5));
        Assert.Equal(max, KisSession.ComputeBackoff(10, min, max, 0.5));
        Assert.Equal(max, KisSession.ComputeBackoff(int.MaxValue, min, max, 0.5));
        Assert.True(KisSession.ComputeBackoff(100, min, max, 0.999) <= max * 1.2);
    }
}
