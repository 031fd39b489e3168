using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// A small, seeded instrument master at today's magnitudes: indices (KOSPI ~2,400–2,700, KOSDAQ ~700–800, KOSPI200
/// ~320–360 …), stocks at their usual price ranges (program trading), bonds with distinct names, and the futures and
/// options whose notices the account receives (priced from the same index and stock levels). Levels are drawn once per
/// simulator from the seed, so every session sees the same market. It is the one list of what trades: the paper venue
/// takes orders only in its stocks (<see cref="IsListedStock"/>), and the stock, ETF and ELW feeds of a code it does not
/// list send nothing (<see cref="IsListedShortCode"/>). Index, bond and derivative codes not in its tables get
/// plausible generic values.
/// </summary>
internal sealed class InstrumentMaster
{
    /// <summary>An index: previous close range in hundredths and the number of constituent issues.</summary>
    private sealed record IndexSpec(string Name, long Low, long High, int Issues);

    /// <summary>A stock: price range in KRW and program-trading turnover (KRW per second, KRX+NXT).</summary>
    private sealed record StockSpec(string? Name, long Low, long High, long TurnoverPerSecond);

    private static readonly Dictionary<string, IndexSpec> Indices = new(StringComparer.Ordinal)
    {
        ["0001"] = new("KOSPI", 240_000, 270_000, 950),
        ["0002"] = new("KOSPI 대형주", 235_000, 265_000, 100),
        ["0003"] = new("KOSPI 중형주", 270_000, 310_000, 200),
        ["0004"] = new("KOSPI 소형주", 200_000, 240_000, 640),
        ["1001"] = new("KOSDAQ", 68_000, 80_000, 1_750),
        ["1028"] = new("KOSDAQ150", 120_000, 140_000, 150),
        ["2001"] = new("KOSPI200", 32_000, 36_000, 200),
        ["2007"] = new("KOSPI100", 240_000, 270_000, 100),
        ["2008"] = new("KOSPI50", 220_000, 250_000, 50),
        ["4001"] = new("KRX100", 500_000, 560_000, 100),
    };

    private static readonly Dictionary<string, StockSpec> Stocks = new(StringComparer.Ordinal)
    {
        ["005930"] = new("삼성전자", 55_000, 80_000, 80_000_000),
        ["000660"] = new("SK하이닉스", 170_000, 230_000, 60_000_000),
        ["373220"] = new("LG에너지솔루션", 330_000, 420_000, 12_000_000),
        ["207940"] = new("삼성바이오로직스", 750_000, 1_000_000, 8_000_000),
        ["005380"] = new("현대차", 190_000, 250_000, 15_000_000),
        ["035420"] = new("NAVER", 160_000, 220_000, 10_000_000),
        ["035720"] = new("카카오", 35_000, 50_000, 8_000_000),
        ["051910"] = new("LG화학", 280_000, 400_000, 8_000_000),
        ["005490"] = new("POSCO홀딩스", 300_000, 420_000, 8_000_000),
        ["068270"] = new("셀트리온", 160_000, 200_000, 10_000_000),
        ["105560"] = new("KB금융", 60_000, 90_000, 10_000_000),
        ["247540"] = new("에코프로비엠", 150_000, 250_000, 6_000_000),
        ["000270"] = new("기아", 80_000, 120_000, 10_000_000),
        ["012330"] = new("현대모비스", 200_000, 280_000, 5_000_000),
        ["055550"] = new("신한지주", 40_000, 60_000, 8_000_000),
        ["066570"] = new("LG전자", 80_000, 120_000, 6_000_000),
        ["086790"] = new("하나금융지주", 45_000, 70_000, 6_000_000),
        ["015760"] = new("한국전력", 18_000, 26_000, 6_000_000),
        ["032830"] = new("삼성생명", 70_000, 110_000, 3_000_000),
        ["003550"] = new("LG", 70_000, 100_000, 3_000_000),
        ["034730"] = new("SK", 120_000, 200_000, 3_000_000),
        ["096770"] = new("SK이노베이션", 90_000, 140_000, 5_000_000),
        ["017670"] = new("SK텔레콤", 45_000, 60_000, 3_000_000),
        ["030200"] = new("KT", 30_000, 45_000, 3_000_000),
        ["009150"] = new("삼성전기", 110_000, 170_000, 4_000_000),
        ["018260"] = new("삼성에스디에스", 120_000, 170_000, 2_000_000),
        ["010130"] = new("고려아연", 400_000, 700_000, 3_000_000),
        ["259960"] = new("크래프톤", 200_000, 300_000, 3_000_000),
        ["011200"] = new("HMM", 15_000, 22_000, 5_000_000),
        ["034020"] = new("두산에너빌리티", 15_000, 25_000, 8_000_000),
        ["042700"] = new("한미반도체", 80_000, 140_000, 5_000_000),
        ["086520"] = new("에코프로", 80_000, 150_000, 6_000_000),
        ["028300"] = new("HLB", 50_000, 90_000, 5_000_000),
        ["005935"] = new("삼성전자우", 45_000, 65_000, 5_000_000),
        // ETFs trade on the stock feeds (H0STCNT0 …) and have an NAV feed (H0STNAV0), priced near KOSPI200 × 100.
        ["069500"] = new("KODEX 200", 32_000, 36_000, 6_000_000),
        ["102110"] = new("TIGER 200", 32_000, 36_000, 3_000_000),
        ["122630"] = new("KODEX 레버리지", 15_000, 20_000, 8_000_000),
        ["114800"] = new("KODEX 인버스", 4_000, 5_000, 4_000_000),
        ["229200"] = new("KODEX 코스닥150", 10_000, 14_000, 2_000_000),
        // The codes KIS's own samples subscribe (examples_user, examples_llm): listed, so the samples run unchanged here.
        // Names only where we are sure of them; the others show the placeholder.
        ["006220"] = new("제주은행", 7_000, 12_000, 500_000),
        ["010950"] = new("S-Oil", 55_000, 75_000, 3_000_000),
        ["032640"] = new("LG유플러스", 9_000, 12_000, 2_000_000),
        ["023460"] = new(null, 1_500, 3_000, 300_000),
        ["158430"] = new(null, 2_000, 6_000, 300_000),
        ["199480"] = new(null, 5_000, 15_000, 300_000),
        ["308100"] = new(null, 1_000, 3_000, 300_000),
        ["417450"] = new(null, 5_000, 20_000, 300_000),
        ["440790"] = new(null, 5_000, 20_000, 300_000),
        ["462860"] = new(null, 3_000, 10_000, 300_000),
    };

    /// <summary>The ELWs the ELW feeds (H0EWCNT0, H0EWASP0, H0EWANC0) serve: KIS's documented example only.</summary>
    private static readonly HashSet<string> Elws = new(StringComparer.Ordinal) { "57LA24" };

    /// <summary>
    /// True for a stock this master lists (six ASCII digits and a row of its table): the paper venue refuses orders
    /// and inquiries in any other code, as KIS refuses a code that is not listed.
    /// </summary>
    public static bool IsListedStock(string code) => code.Length == 6 && code.All(char.IsAsciiDigit) && Stocks.ContainsKey(code);

    /// <summary>
    /// True for a short code (the key of the stock, ETF and ELW feeds) this master lists: its stocks and ETFs, and its
    /// ELWs. A feed of any other code is silent, as no market trades it (docs/simulator.md, "Unlisted codes").
    /// </summary>
    public static bool IsListedShortCode(string code) => Stocks.ContainsKey(code) || Elws.Contains(code);

    /// <summary>
    /// Everything this master lists by name, for <c>kisrt sim --list</c>: (kind, code, name) of its indices, stocks and
    /// ETFs, ELWs, bonds and the notice account's futures and options (their codes follow <paramref name="today"/>'s expiry).
    /// </summary>
    public IEnumerable<(string Kind, string Code, string Name)> Listing(DateTime today) =>
        Indices.Select(i => ("index", i.Key, i.Value.Name))
            .Concat(Stocks.Select(s => ("stock", s.Key, StockName(s.Key))))
            .Concat(_universe.Ranked.Where(s => !Stocks.ContainsKey(s.Code)).Select(s => ("stock", s.Code, s.Name)))
            .Concat(Elws.Select(e => ("elw", e, "")))
            .Concat(BondNames.Select(b => ("bond", b.Key, b.Value)))
            .Concat(Derivatives(today).Select(d => ("futures/options", d.Code, d.Name)));

    /// <summary>Some listed codes to name in a message (the stocks first).</summary>
    public static IEnumerable<string> ListedShortCodes => Stocks.Keys.Concat(Elws);

    /// <summary>The documented H0BJCNT0 frame's bond keeps its documented name (docs/kis-protocol.md §7).</summary>
    private static readonly Dictionary<string, string> BondNames = new(StringComparer.Ordinal)
    {
        ["KR103502GD31"] = "국고03250-5303(23-2)",
    };

    private readonly int _seed;
    private readonly MarketUniverse _universe;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _bondNameByIsin = new(StringComparer.Ordinal);
    private readonly HashSet<string> _bondNamesUsed = new(StringComparer.Ordinal);

    public InstrumentMaster(int seed, SimulatorUniverse universe = SimulatorUniverse.Small)
    {
        _seed = seed;
        _universe = MarketUniverse.Create(universe, seed, Stocks.Select(s => (s.Key, s.Value.Name, s.Value.Low, s.Value.High, s.Value.TurnoverPerSecond)));
    }

    /// <summary>The stocks this master lists, busiest first, with their share of the market's records.</summary>
    public IReadOnlyList<UniverseStock> Universe => _universe.Ranked;

    /// <summary>True for a stock or ETF of this master's universe, or one of its ELWs (see <see cref="IsListedShortCode"/>).</summary>
    public bool Lists(string code) => _universe.Find(code) is not null || Elws.Contains(code);

    /// <summary>A stock's name in this master's universe (else as <see cref="StockName"/>).</summary>
    public string NameOf(string code) => _universe.Find(code)?.Name ?? StockName(code);

    /// <summary>
    /// The share of the market-wide pace (<see cref="MarketPaceMode.MarketWide"/>) one instrument makes: its stock's
    /// activity share, half on the trades and half on the book; an instrument outside the universe (an index, a bond …)
    /// makes as much as the quietest stock's feed.
    /// </summary>
    public double ActivityShare(string key) => (_universe.Find(key)?.Share ?? _universe.SmallestShare) / 2;

    private Random For(string kind, string code) => new(StableHash.Combine(_seed, kind, code));

    /// <summary>An index's previous close (hundredths) and its number of issues.</summary>
    public (long PreviousClose, int Issues) Index(string code)
    {
        var r = For("index", code);
        return Indices.TryGetValue(code, out var spec)
            ? (r.NextInt64(spec.Low, spec.High), spec.Issues)
            : (r.NextInt64(80_000, 300_000), r.Next(50, 900));
    }

    /// <summary>A stock's previous close (KRW, on its tick size) and its program-trading turnover per second.</summary>
    public (long Price, long TurnoverPerSecond) Stock(string code)
    {
        var r = For("stock", code);
        var (low, high, turnover) = Stocks.TryGetValue(code, out var spec) ? (spec.Low, spec.High, spec.TurnoverPerSecond)
            : _universe.Find(code) is { } listed ? (listed.Low, listed.High, r.NextInt64(100_000, 2_000_000))
            : (5_000L, 100_000L, r.NextInt64(1_000_000, 5_000_000));
        return (KrxRules.RoundDownToStockTick(r.NextInt64(low, high)), turnover);
    }

    /// <summary>A stock's name (the known ones in Korean, others, listed or not, a placeholder with the code).</summary>
    public static string StockName(string code) => Stocks.TryGetValue(code, out var spec) && spec.Name is { } name ? name : $"종목{code}";

    /// <summary>
    /// A bond's name, distinct per ISIN within the simulator, and its coupon (thousandths of a percent) and years to
    /// maturity. Names follow KIS's style: <c>국고03250-5303(23-2)</c> (issuer, coupon, maturity yymm, issue).
    /// </summary>
    public (string Name, int CouponThousandths, int Years) Bond(string isin)
    {
        var r = For("bond", isin);
        var coupon = r.Next(9, 36) * 125; // 1.125 % .. 4.375 %
        var years = r.Next(2, 30);
        var issueYear = r.Next(18, 26);
        lock (_gate)
        {
            if (_bondNameByIsin.TryGetValue(isin, out var known)) return (known, coupon, years);
            if (!BondNames.TryGetValue(isin, out var name))
            {
                var issuer = isin.Length > 2 && isin[2] == '1' ? "국고" : isin.Length > 2 && isin[2] == '2' ? "통안" : "회사채";
                var maturity = (issueYear + years) % 100;
                name = $"{issuer}{coupon:D5}-{maturity:D2}{r.Next(1, 13):D2}({issueYear}-{r.Next(1, 14)})";
            }
            // Two ISINs never share a name: a clash gets the ISIN's serial appended.
            if (!_bondNamesUsed.Add(name))
            {
                name = $"{name} {isin[Math.Max(0, isin.Length - 4)..]}";
                _bondNamesUsed.Add(name);
            }
            _bondNameByIsin[isin] = name;
            return (name, coupon, years);
        }
    }

    /// <summary>
    /// The stocks the stock-notice account trades: Samsung Electronics, SK hynix, NAVER and Kakao at their previous
    /// closes (whole KRW, <see cref="Derivative.Tick"/> = KRX's tick at that price).
    /// </summary>
    public Derivative[] StockProducts()
        => [.. new[] { "005930", "000660", "035420", "035720" }.Select(code =>
        {
            var price = Stock(code).Price;
            return new Derivative(code, StockName(code), price, KrxRules.StockTick(price));
        })];

    /// <summary>The US stocks the overseas-notice account trades, prices in cents (ticks of one cent).</summary>
    public static Derivative[] UsStockProducts() =>
    [
        new("AAPL", "APPLE INC", 22_850, 1),
        new("MSFT", "MICROSOFT CORP", 41_520, 1),
        new("NVDA", "NVIDIA CORP", 13_870, 1),
        new("TSLA", "TESLA INC", 34_210, 1),
    ];

    /// <summary>A futures or options product the notice account trades.</summary>
    internal sealed record Derivative(string Code, string Name, long Price, long Tick);

    /// <summary>
    /// The account's products for the quarterly expiry at or after <paramref name="today"/>: the KOSPI200 future at
    /// the KOSPI200 level, Samsung Electronics' stock future at its stock price, and a near-the-money call and put.
    /// Codes are KRX short codes (product, underlying, year letter, month, strike); prices in hundredths.
    /// </summary>
    public Derivative[] Derivatives(DateTime today)
    {
        var month = (today.Month + 2) / 3 * 3;
        var year = today.Year;
        // KRX year letters skip I, O and U: 2006 = A … 2024 = V, 2025 = W, 2026 = X.
        const string YearLetters = "ABCDEFGHJKLMNPQRSTVWXYZ";
        var y = YearLetters[Math.Clamp(year - 2006, 0, YearLetters.Length - 1)];
        var m = month < 10 ? (char)('0' + month) : (char)('A' + month - 10);
        var expiry = $"{year:D4}{month:D2}";
        var kospi200 = Index("2001").PreviousClose;         // hundredths of a point
        var samsung = Stock("005930").Price * 100;          // hundredths of a KRW
        var atm = kospi200 / 250 * 250 / 100;               // strike on a 2.5-point grid, in points
        return
        [
            new($"101{y}{m}000", $"코스피200 F {expiry}", kospi200 / 5 * 5, 5),
            new($"111{y}{m}000", $"삼성전자   F {expiry}", samsung, 10_000),
            new($"201{y}{m}{atm % 1000:D3}", $"코스피200 C {expiry} {atm}.0", 350, 1),
            new($"301{y}{m}{(atm - 5) % 1000:D3}", $"코스피200 P {expiry} {atm - 5}.0", 280, 1),
        ];
    }
}
