using Kis.Realtime.Benchmarks;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// A <c>kisrt record</c> folder of one stock's KRX session as KIS sends it (<see cref="SyntheticRecording.WriteTradingDay"/>):
/// each trade followed by the book it left, a seeded random walk. Deterministic for a seed.
/// </summary>
internal static class BacktestRecording
{
    /// <summary>Writes the folder; returns its path (one day: 2026-11-23 from 09:00 KST, a trade every 500 ms).</summary>
    public static string Write(string directory, int trades, int seed = 7) => SyntheticRecording.WriteTradingDay(directory, trades, seed);

    /// <summary>The raw.log of the folder's one day (what the simulator's replay mode serves).</summary>
    public static string RawLog(string directory) => Path.Combine(directory, "2026-11-23", "raw.log");
}
