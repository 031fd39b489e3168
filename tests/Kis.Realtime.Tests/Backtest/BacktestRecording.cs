using System.Globalization;
using System.Text;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// A <c>kisrt record</c> folder of one stock's KRX session as KIS sends it: each trade (H0STCNT0; a seeded random walk
/// on KRX's tick grid, buyer- or seller-initiated, cumulative volume continuing) followed by the book it left
/// (H0STASP0, ten levels a side). Deterministic for a seed.
/// </summary>
internal static class BacktestRecording
{
    public const string Code = "005930";

    /// <summary>Writes the folder; returns its path (one day: 2026-11-23 from 09:00 KST, a trade every 500 ms).</summary>
    public static string Write(string directory, int trades, int seed = 7, long start = 70_000)
    {
        var random = new Random(seed);
        using var recording = new SyntheticRecording(directory);
        TrDefinition tradeTr = KisTrs.H0STCNT0, bookTr = KisTrs.H0STASP0;
        var tradeFields = Encoding.ASCII.GetString(SyntheticRecording.Record(tradeTr, Code, 1)).Split('^');
        var bookFields = Encoding.ASCII.GetString(SyntheticRecording.Record(bookTr, Code, 1)).Split('^');
        var open = new DateTimeOffset(2026, 11, 23, 9, 0, 0, KisRecordingSource.KstOffset);
        const long tick = 100, previousClose = 70_000;
        var price = start;
        long accumulated = 0;
        for (var i = 0; i < trades; i++)
        {
            var at = open.AddMilliseconds(500 * i);
            var step = random.Next(3) - 1;
            price += step * tick;
            var buyer = step > 0 || (step == 0 && random.Next(2) == 0);
            var volume = 1 + random.Next(50);
            accumulated += volume;
            var time = at.ToString("HHmmss", CultureInfo.InvariantCulture);
            void Trade(string name, string value) => tradeFields[tradeTr.IndexOf(name)] = value;
            Trade("stck_cntg_hour", time);
            Trade("bsop_date", "20261123");
            Trade("stck_prpr", N(price));
            Trade("prdy_vrss", N(price - previousClose));
            Trade("prdy_vrss_sign", price >= previousClose ? "2" : "5");
            Trade("cntg_vol", N(volume));
            Trade("acml_vol", N(accumulated));
            Trade("ccld_dvsn", buyer ? "1" : "5");
            Trade("askp1", N(price + tick));
            Trade("bidp1", N(price));
            recording.Add(at, SyntheticRecording.Frame(tradeTr, Encoding.ASCII.GetBytes(string.Join('^', tradeFields))));
            void Book(string name, string value) => bookFields[bookTr.IndexOf(name)] = value;
            Book("bsop_hour", time);
            for (var level = 1; level <= 10; level++)
            {
                Book($"askp{level}", N(price + tick * level));
                Book($"bidp{level}", N(price - tick * (level - 1)));
                Book($"askp_rsqn{level}", N(50 + random.Next(250)));
                Book($"bidp_rsqn{level}", N(50 + random.Next(250)));
            }
            recording.Add(at.AddTicks(1), SyntheticRecording.Frame(bookTr, Encoding.ASCII.GetBytes(string.Join('^', bookFields))));
        }
        return directory;
    }

    /// <summary>The raw.log of the folder's one day (what the simulator's replay mode serves).</summary>
    public static string RawLog(string directory) => Path.Combine(directory, "2026-11-23", "raw.log");

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
