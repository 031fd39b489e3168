namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// Delivery latencies since the last reading, as counts in log-spaced buckets (5 % wide, 1 µs to ~100 s): recording is
/// one interlocked increment (it runs on the client's receive path), reading swaps in a fresh set of buckets.
/// </summary>
internal sealed class LatencyWindow
{
    private const double Smallest = 1e-6;
    private static readonly double Growth = Math.Log(1.05);
    private const int Buckets = 380;
    private long[] _counts = new long[Buckets];

    public void Record(double seconds)
    {
        var index = seconds <= Smallest ? 0 : Math.Min(Buckets - 1, (int)(Math.Log(seconds / Smallest) / Growth) + 1);
        Interlocked.Increment(ref Volatile.Read(ref _counts)[index]);
    }

    /// <summary>p50 and p99 (upper bucket bounds, seconds) of what was recorded since the last call; null if nothing was.</summary>
    public (double P50, double P99, long Count)? TakePercentiles()
    {
        var counts = Interlocked.Exchange(ref _counts, new long[Buckets]);
        long total = 0;
        foreach (var c in counts) total += c;
        if (total == 0) return null;
        return (Quantile(counts, total, 0.50), Quantile(counts, total, 0.99), total);
    }

    private static double Quantile(long[] counts, long total, double q)
    {
        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank) return UpperBound(i);
        }
        return UpperBound(counts.Length - 1);
    }

    /// <summary>The largest value bucket <paramref name="index"/> holds.</summary>
    internal static double UpperBound(int index) => index == 0 ? Smallest : Smallest * Math.Exp(Growth * index);
}
