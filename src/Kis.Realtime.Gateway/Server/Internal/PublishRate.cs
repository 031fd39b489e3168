namespace Kis.Realtime.Gateway.Internal;

/// <summary>A gateway's records published per second (<see cref="GatewayStatus.PublishRate"/>): over the span since the
/// previous reading at least a second ago, the last figure repeated until a second has passed.</summary>
internal sealed class PublishRate(TimeProvider time, DateTimeOffset startedAt)
{
    private readonly Lock _gate = new(); // guards _mark, _rate
    private (long Published, DateTimeOffset At) _mark = (0, startedAt);
    private double _rate;

    /// <summary>The rate with <paramref name="published"/> records published by now.</summary>
    public double Now(long published)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var seconds = (now - _mark.At).TotalSeconds;
            if (seconds < 1) return _rate;
            _rate = (published - _mark.Published) / seconds;
            _mark = (published, now);
            return _rate;
        }
    }
}
