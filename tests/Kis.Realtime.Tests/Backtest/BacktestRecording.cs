using Kis.Realtime.Protocol;

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

/// <summary>
/// A <c>kisrt record</c> folder of one KRX derivatives day session as KIS sends it: a KOSPI200 future
/// (<see cref="Future"/>, H0IFCNT0 each followed by its five-level H0IFASP0 book) and a KOSPI200 call
/// (<see cref="Option"/>, H0IOCNT0 and H0IOASP0 after every second futures trade), seeded random walks on KRX's grids
/// (0.05 point for the future, 0.01 for a premium under 10). Deterministic for a seed.
/// </summary>
internal static class DerivativesRecording
{
    public const string Future = "101W9000", Option = "201W9350";

    /// <summary>The future's previous close (points) and the option's.</summary>
    public const decimal FuturePreviousClose = 350.00m, OptionPreviousClose = 3.50m;

    /// <summary>Writes the folder (2026-11-23 from 09:00 KST, a futures trade every 500 ms); returns its path.</summary>
    public static string Write(string directory, int trades, int seed = 11)
    {
        var random = new Random(seed);
        using var recording = new Kis.Realtime.Benchmarks.SyntheticRecording(directory);
        var open = new DateTimeOffset(2026, 11, 23, 9, 0, 0, KoreaTime.Offset);
        var future = new Walk(KisTrs.H0IFCNT0, KisTrs.H0IFASP0, Future, "futs_", FuturePreviousClose, 0.05m);
        var option = new Walk(KisTrs.H0IOCNT0, KisTrs.H0IOASP0, Option, "optn_", OptionPreviousClose, 0.01m);
        for (var i = 0; i < trades; i++)
        {
            var at = open + TimeSpan.FromMilliseconds(500) * i;
            future.Step(recording, random, at);
            if (i % 2 == 1) option.Step(recording, random, at.AddTicks(10));
        }
        return directory;
    }

    public static string RawLog(string directory) => Path.Combine(directory, "2026-11-23", "raw.log");

    private sealed class Walk(TrDefinition tradeTr, TrDefinition bookTr, string code, string prefix, decimal previousClose, decimal tick)
    {
        private readonly string[] _trade = System.Text.Encoding.ASCII.GetString(Kis.Realtime.Benchmarks.SyntheticRecording.Record(tradeTr, code, 1)).Split('^');
        private readonly string[] _book = System.Text.Encoding.ASCII.GetString(Kis.Realtime.Benchmarks.SyntheticRecording.Record(bookTr, code, 1)).Split('^');
        private decimal _price;
        private long _accumulated;

        public void Step(Kis.Realtime.Benchmarks.SyntheticRecording recording, Random random, DateTimeOffset at)
        {
            if (_price == 0) _price = previousClose;
            var step = random.Next(3) - 1;
            _price += step * tick;
            var volume = 1 + random.Next(20);
            _accumulated += volume;
            var time = at.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture);
            void Trade(string name, string value) => _trade[tradeTr.IndexOf(name)] = value;
            void Book(string name, string value) => _book[bookTr.IndexOf(name)] = value;
            Trade("bsop_hour", time);
            Trade(prefix + "prpr", P(_price));
            Trade(prefix + "prdy_vrss", P(_price - previousClose));
            Trade("prdy_vrss_sign", _price >= previousClose ? "2" : "5");
            Trade("last_cnqn", volume.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Trade("acml_vol", _accumulated.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // The touch the trade left: a buyer's trade (up) at the old ask, a seller's at the bid.
            Trade(prefix + "askp1", P(_price + tick));
            Trade(prefix + "bidp1", P(_price));
            recording.Add(at, Kis.Realtime.Benchmarks.SyntheticRecording.Frame(tradeTr, System.Text.Encoding.ASCII.GetBytes(string.Join('^', _trade))));
            Book("bsop_hour", time);
            for (var level = 1; level <= 5; level++)
            {
                Book($"{prefix}askp{level}", P(_price + tick * level));
                Book($"{prefix}bidp{level}", P(_price - tick * (level - 1)));
                Book($"askp_rsqn{level}", (5 + random.Next(30)).ToString(System.Globalization.CultureInfo.InvariantCulture));
                Book($"bidp_rsqn{level}", (5 + random.Next(30)).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            var book = System.Text.Encoding.ASCII.GetBytes(string.Join('^', _book));
            recording.Add(at.AddTicks(1), Kis.Realtime.Benchmarks.SyntheticRecording.Frame(bookTr, book));
        }

        private static string P(decimal value) => value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
    }
}
