using System.Collections.Frozen;

namespace Kis.Realtime.Simulator.Rules;

/// <summary>
/// KRX's trading rules as one table: the stock tick bands, the stock daily price limits, and the ticks, multipliers and
/// daily limits of the index futures and options the simulator trades. The feed generator (<c>InstrumentMaster</c>,
/// the market's books and walks), both venues (paper and backtest) and the REST endpoints read them here, so a price one
/// path accepts is a price every path accepts (docs/simulator.md, "KRX's rules").
/// </summary>
internal static class KrxRules
{
    /// <summary>
    /// KRX's stock tick bands, KOSPI and KOSDAQ alike since 2023-01-25: from each lower bound (KRW, inclusive) up to the
    /// next, a price is a whole multiple of the band's tick. Each tick divides the next one, so a price on a higher
    /// band's grid is on every lower band's grid too.
    /// </summary>
    public static ReadOnlySpan<long> StockBandFloors => [0, 2_000, 5_000, 20_000, 50_000, 200_000, 500_000];

    /// <summary>The tick of each band of <see cref="StockBandFloors"/>, in KRW.</summary>
    public static ReadOnlySpan<long> StockBandTicks => [1, 5, 10, 50, 100, 500, 1_000];

    /// <summary>The stock daily limit either side of the base price (the previous close), in percent (since 2015-06-15).</summary>
    public const long StockDailyLimitPercent = 30;

    /// <summary>KRX's stock tick at <paramref name="price"/> (KRW): the tick of the band the price falls in.</summary>
    public static long StockTick(long price)
    {
        var floors = StockBandFloors;
        for (var band = floors.Length - 1; band > 0; band--)
            if (price >= floors[band]) return StockBandTicks[band];
        return StockBandTicks[0];
    }

    /// <summary><paramref name="price"/> rounded down onto its band's tick (at least one tick).</summary>
    public static long RoundDownToStockTick(long price)
    {
        var tick = StockTick(price);
        return Math.Max(tick, price / tick * tick);
    }

    /// <summary>Whether a positive <paramref name="price"/> (KRW) is on KRX's stock tick grid.</summary>
    public static bool IsOnStockTick(long price) => price > 0 && price % StockTick(price) == 0;

    /// <summary>KRX's ETF (and ETN) tick: 5 KRW at every price; ETFs are not on the stock bands.</summary>
    public const long EtfTick = 5;

    /// <summary>
    /// The ETFs the simulator lists (<c>InstrumentMaster</c>'s rows of them): KODEX 200, TIGER 200, KODEX 레버리지,
    /// KODEX 인버스, KODEX 코스닥150. The one answer to "is this an ETF" for both venues: any other six-digit code, one of a
    /// recording included, is taken for a stock (docs/backtest.md, "Costs").
    /// </summary>
    private static readonly FrozenSet<string> Etfs = FrozenSet.Create(StringComparer.Ordinal, "069500", "102110", "122630", "114800", "229200");

    /// <summary>Whether <paramref name="code"/> is one of the ETFs the simulator lists (<see cref="Etfs"/>).</summary>
    public static bool IsEtf(string code) => Etfs.Contains(code);

    /// <summary>
    /// Whether a positive <paramref name="price"/> (KRW) is on KRX's grid for <paramref name="code"/>: an ETF's 5 KRW
    /// (<see cref="EtfTick"/>), a stock's band (<see cref="IsOnStockTick"/>). Both venues' check of a stock-market limit.
    /// </summary>
    public static bool IsOnTick(string code, long price) => IsEtf(code) ? price > 0 && price % EtfTick == 0 : IsOnStockTick(price);

    /// <summary>Whether a sale of <paramref name="code"/> pays the securities transaction tax: a stock's does, a domestic
    /// ETF's does not (증권거래세 면제).</summary>
    public static bool PaysSellTax(string code) => !IsEtf(code);

    /// <summary>The next price one tick above <paramref name="price"/> (on the grid).</summary>
    public static long StockTickUp(long price) => price + StockTick(price);

    /// <summary>The next price one tick below <paramref name="price"/>: the tick is the one of the band below.</summary>
    public static long StockTickDown(long price) => Math.Max(1, price - StockTick(price - 1));

    /// <summary>
    /// A stock's daily limits from its base price (the previous close, KRW), as KRX publishes the calculation:
    /// the limit width is 30 % of the base price with what is below the base price's tick cut off; the upper limit is
    /// the base price plus that width, cut down onto the tick of its own band; the lower limit is the base price less
    /// the width. The lower limit needs no rounding (base and width are multiples of the base's tick, which is a multiple
    /// of every lower band's tick); it is rounded up all the same should a band ever break that, so it stays within 30 %.
    /// Example (KRX's): base 9,980 → width 2,994 cut to 2,990 → 6,990 .. 12,970.
    /// </summary>
    public static (long Lower, long Upper) StockDailyLimits(long previousClose)
    {
        if (previousClose <= 0) throw new ArgumentOutOfRangeException(nameof(previousClose), previousClose, "a base price is positive");
        var baseTick = StockTick(previousClose);
        var width = checked(previousClose * StockDailyLimitPercent) / 100 / baseTick * baseTick;
        var upper = previousClose + width;
        upper = upper / StockTick(upper) * StockTick(upper);
        var lower = previousClose - width;
        var lowerTick = StockTick(lower);
        lower = (lower + lowerTick - 1) / lowerTick * lowerTick;
        return (Math.Max(lower, StockBandTicks[0]), upper);
    }

    /// <summary>
    /// KRX's tick at <paramref name="price"/> (hundredths of a point) for the index derivatives the venues price: index
    /// futures by underlying (<see cref="FuturesTick"/>), KOSPI200 options 0.01 under a 10-point premium and 0.05 from
    /// 10, mini KOSPI200 options 0.01 under 3, 0.02 under 10 and 0.05 from 10, for a code of a form KRX lists
    /// (<see cref="IsListedIndexDerivative"/>: six or eight characters). 0 for any other code (stock future, KOSDAQ150
    /// option, commodity, a month KRX does not list …): not priced, so not traded.
    /// </summary>
    public static long DerivativeTick(string code, long price)
    {
        if (!IsListedIndexDerivative(code)) return 0;
        var underlying = code.AsSpan(1, 2);
        return code[0] switch
        {
            '1' when underlying is "01" or "05" or "06" => FuturesTick(code),
            '2' or '3' when underlying is "01" => price < 1_000 ? 1 : 5,
            '2' or '3' when underlying is "05" => price < 300 ? 1 : price < 1_000 ? 2 : 5,
            _ => 0,
        };
    }

    /// <summary>
    /// The one rule of which futures/options codes the venues take, paper and backtest alike (issue 73): a code of a form
    /// KRX lists (<see cref="IsListedIndexDerivative"/>, <c>101W09</c> and <c>101W9000</c> alike) whose grid these rules
    /// know (<see cref="DerivativeTick"/>: KOSPI200, mini KOSPI200 and KOSDAQ150 futures, KOSPI200 and mini KOSPI200 options).
    /// </summary>
    public static bool IsTradedIndexDerivative(string code) => DerivativeTick(code, 1) != 0;

    /// <summary>An index future's tick in hundredths of a point by its underlying (the code's 2nd–3rd characters):
    /// KOSPI200 (x01) 0.05, mini KOSPI200 (x05) 0.02, KOSDAQ150 (x06) 0.10; other codes the generated feeds price
    /// as KOSPI200's.</summary>
    public static long FuturesTick(string code) => code.Length < 3 ? 5 : code.AsSpan(1, 2) switch { "06" => 10, "05" => 2, _ => 5 };

    /// <summary>KRW per point: KOSPI200 futures and options 250,000, mini KOSPI200 50,000, KOSDAQ150 10,000
    /// (10 for a code these rules do not price).</summary>
    public static long Multiplier(string code)
        => code.Length < 3 ? 10 : code.AsSpan(1, 2) switch { "01" => 250_000, "05" => 50_000, "06" => 10_000, _ => 10 };

    /// <summary>Whether a KRX derivatives code is a future: KRX's codes start with 1 for futures, 2 and 3 for calls and puts.</summary>
    public static bool IsFutures(string code) => code.Length > 0 && code[0] == '1';

    /// <summary>KRX's year letters in derivatives codes: 2006 = A … 2025 = W, 2026 = X (I, O and U skipped).</summary>
    public const string YearLetters = "ABCDEFGHJKLMNPQRSTVWXYZ";

    /// <summary>
    /// Whether <paramref name="code"/> is the short code of an index future or option of a kind KRX lists: KOSPI200
    /// (x01), mini KOSPI200 (x05) or KOSDAQ150 (x06); a future as six characters (<c>101W09</c>: product, underlying,
    /// year letter, two-digit month) or eight (<c>101W9000</c>: one-character month 1–9, A–C, then 000); an option as eight
    /// (<c>201W9350</c>: month, then the strike's three digits). KOSPI200 and KOSDAQ150 futures expire quarterly (March,
    /// June, September, December); mini KOSPI200 futures and the options monthly. Whether a contract of that month is
    /// still trading is not checked (KIS's own samples order 101W09).
    /// </summary>
    public static bool IsListedIndexDerivative(string code)
    {
        if (code.Length is not (6 or 8) || code[0] is not ('1' or '2' or '3') || code.AsSpan(1, 2) is not ("01" or "05" or "06")) return false;
        if (!YearLetters.Contains(code[3], StringComparison.Ordinal)) return false;
        var futures = code[0] == '1';
        int month;
        if (code.Length == 6)
        {
            if (!futures || !char.IsAsciiDigit(code[4]) || !char.IsAsciiDigit(code[5])) return false;
            month = (code[4] - '0') * 10 + code[5] - '0';
        }
        else
        {
            month = code[4] switch { >= '1' and <= '9' => code[4] - '0', 'A' => 10, 'B' => 11, 'C' => 12, _ => 0 };
            var tail = code.AsSpan(5);
            if (futures ? tail is not "000" : !char.IsAsciiDigit(tail[0]) || !char.IsAsciiDigit(tail[1]) || !char.IsAsciiDigit(tail[2])) return false;
        }
        if (month is < 1 or > 12) return false;
        var quarterly = futures && code.AsSpan(1, 2) is not "05";
        return !quarterly || month % 3 == 0;
    }

    /// <summary>
    /// An index derivative's daily limits as a venue over a recording knows them, from the previous close its trades carry
    /// (hundredths): a future's (<see cref="FuturesDailyLimits"/> on its grid); none (0, 0) for an option, whose limits
    /// follow its underlying's and are not in the recording, nor for a code whose grid is unknown. The backtest's and the
    /// replayed market's one rule.
    /// </summary>
    public static (long Lower, long Upper) DerivativeDailyLimits(string code, long previousClose)
        => IsFutures(code) && DerivativeTick(code, 1) is var tick and > 0 ? FuturesDailyLimits(previousClose, tick) : (0, 0);

    /// <summary>The recorded TRs that move a futures/options market for the venues over a recording (the backtest, paper
    /// under a replay): KRX day-session index futures' and options' trades and books.</summary>
    public static bool IsDerivativeMarket(TrDefinition tr)
        => ReferenceEquals(tr, KisTrs.H0IFCNT0) || ReferenceEquals(tr, KisTrs.H0IFASP0)
           || ReferenceEquals(tr, KisTrs.H0IOCNT0) || ReferenceEquals(tr, KisTrs.H0IOASP0);

    /// <summary>The last stage of an index future's daily limit, in percent of its base price.</summary>
    public const long FuturesDailyLimitPercent = 20;

    /// <summary>
    /// An index future's daily limits from its base price (<paramref name="previousClose"/>, hundredths): ±20 %, onto the
    /// grid inward. KRX widens an index future's limit in stages (±8 %, ±15 %, ±20 %) as the price reaches each; only the
    /// last, beyond which no order is ever taken, is applied. An option's limits follow its underlying's and are not
    /// derived here.
    /// </summary>
    public static (long Lower, long Upper) FuturesDailyLimits(long previousClose, long tick)
    {
        var lower = (previousClose * (100 - FuturesDailyLimitPercent) + 99) / 100; // rounded up
        var upper = previousClose * (100 + FuturesDailyLimitPercent) / 100;
        return (Math.Max(tick, (lower + tick - 1) / tick * tick), upper / tick * tick);
    }
}
