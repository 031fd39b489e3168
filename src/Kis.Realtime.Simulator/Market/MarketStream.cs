using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The deterministic record source of one subscription (TR, key). Its random state comes only from the seed, the TR id
/// and the key, and its clock is simulated (it advances per record), so the same seed and subscription give the same
/// records whatever the pace or timing. Not thread-safe: one session's send loop owns it.
/// </summary>
internal abstract class MarketStream
{
    /// <summary>Simulated market time, seconds since midnight KST. Starts at 09:00:00.</summary>
    protected int Clock = 9 * 3600;

    protected MarketStream(Random random) => Random = random;

    protected Random Random { get; }

    /// <summary>Upper bound of one record's size in bytes (the caller keeps this much room).</summary>
    public abstract int MaxRecordBytes { get; }

    /// <summary>Writes the next record (advancing the state).</summary>
    public abstract void WriteRecord(ref RecordWriter writer);

    /// <summary>Advances the simulated clock by 0..<paramref name="maxSeconds"/> seconds.</summary>
    protected void Tick(int maxSeconds) => Clock += Random.Next(0, maxSeconds + 1);

    /// <summary>True when there is a generator for the TR (the library's table now lists all 60 KIS TRs).</summary>
    public static bool CanGenerate(TrDefinition tr)
        => tr == KisTrs.IndexTicks || tr == KisTrs.BondTrades || tr == KisTrs.ProgramTradesNxt || tr == KisTrs.ProgramTradesUnified
           || tr == KisTrs.FuturesOptionsNotices || tr == KisTrs.FuturesOptionsNoticesPaper;

    /// <summary>Creates the stream for a TR and key from the seed.</summary>
    public static MarketStream Create(TrDefinition tr, string key, int seed)
    {
        var random = new Random(StableHash.Combine(seed, tr.Id, key));
        if (tr == KisTrs.IndexTicks) return new IndexStream(random, key);
        if (tr == KisTrs.BondTrades) return new BondStream(random, key);
        if (tr == KisTrs.ProgramTradesNxt || tr == KisTrs.ProgramTradesUnified) return new ProgramStream(random, key);
        if (tr == KisTrs.FuturesOptionsNotices || tr == KisTrs.FuturesOptionsNoticesPaper) return new NoticeStream(random, key);
        throw new ArgumentException($"No generator for TR {tr.Id}.", nameof(tr));
    }
}

/// <summary>A hash that is the same in every process (string.GetHashCode is randomised per process).</summary>
internal static class StableHash
{
    public static int Combine(int seed, string a, string b)
    {
        var h = 2166136261u ^ (uint)seed;
        h = Mix(h, a);
        h = (h ^ 0xFF) * 16777619u;
        h = Mix(h, b);
        return (int)(h & 0x7FFFFFFF);
    }

    public static int Of(string text) => (int)(Mix(2166136261u, text) & 0x7FFFFFFF);

    private static uint Mix(uint h, string text)
    {
        foreach (var c in text) h = (h ^ c) * 16777619u;
        return h;
    }
}
