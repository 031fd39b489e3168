using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Market;

/// <summary>One listed stock of a universe: its market, price range (KRW) and share of the market's records.</summary>
internal sealed record UniverseStock(string Code, string Name, string Market, long Low, long High, double Share);

/// <summary>
/// The stocks a market lists, ranked by activity. Activity is Zipf-like (the stock of rank r makes a share proportional to
/// 1/r^<see cref="ZipfExponent"/>): at 2,700 stocks the first makes about 5 % of the records and the top 100 about half,
/// as KRX's turnover concentrates on a few names. The small universe is the master's table; the whole KRX adds
/// generated stocks (codes, names, prices from the seed) after it, so the well-known names stay the busiest.
/// </summary>
internal sealed class MarketUniverse
{
    public const int KospiStocks = 950;
    public const int KosdaqStocks = 1_750;
    private const double ZipfExponent = 0.8;

    private static readonly string[] NameHeads =
        ["한국", "대한", "동양", "서울", "미래", "신성", "대성", "삼화", "동원", "한일", "태광", "경동", "세방", "광명", "우진", "대원",
         "유니", "에이스", "코리아", "글로벌", "제일", "한신", "성보", "진흥", "금호", "한양", "청우", "보령", "동화", "삼익"];

    private static readonly string[] NameTails =
        ["전자", "화학", "제약", "건설", "바이오", "산업", "테크", "에너지", "홀딩스", "물산", "정밀", "소재", "반도체", "식품", "통신",
         "중공업", "시스템", "로직스", "엔터", "디스플레이", "케미칼", "머티리얼즈", "메디칼", "인터내셔널"];

    private readonly Dictionary<string, UniverseStock> _byCode;

    public IReadOnlyList<UniverseStock> Ranked { get; }

    /// <summary>The smallest share any listed stock has (what an instrument outside the universe gets under a market-wide pace).</summary>
    public double SmallestShare { get; }

    private MarketUniverse(List<UniverseStock> ranked)
    {
        Ranked = ranked;
        _byCode = ranked.ToDictionary(s => s.Code, StringComparer.Ordinal);
        SmallestShare = ranked.Count == 0 ? 0 : ranked[^1].Share;
    }

    public UniverseStock? Find(string code) => _byCode.GetValueOrDefault(code);

    /// <summary>
    /// The universe of <paramref name="kind"/>: <paramref name="known"/> (code, name, low, high, turnover) ranked by turnover,
    /// then for <see cref="SimulatorUniverse.KrxAll"/> generated stocks from <paramref name="seed"/> up to 2,700.
    /// </summary>
    public static MarketUniverse Create(SimulatorUniverse kind, int seed,
        IEnumerable<(string Code, string? Name, long Low, long High, long Turnover)> known)
    {
        var rows = known.OrderByDescending(k => k.Turnover).ThenBy(k => k.Code, StringComparer.Ordinal)
            .Select((k, i) => (k.Code, Name: k.Name ?? $"종목{k.Code}", Market: i % 3 == 2 ? "KOSDAQ" : "KOSPI", k.Low, k.High)).ToList();
        if (kind == SimulatorUniverse.KrxAll)
            rows.AddRange(Generate(seed, rows.Select(r => r.Code), rows.Select(r => r.Name), rows.Count(r => r.Market == "KOSPI")));
        var weights = rows.Select((_, rank) => 1 / Math.Pow(rank + 1, ZipfExponent)).ToArray();
        var total = weights.Sum();
        return new MarketUniverse([.. rows.Select((r, i) => new UniverseStock(r.Code, r.Name, r.Market, r.Low, r.High, weights[i] / total))]);
    }

    private static IEnumerable<(string Code, string Name, string Market, long Low, long High)> Generate(
        int seed, IEnumerable<string> takenCodes, IEnumerable<string> takenNames, int kospiKnown)
    {
        var random = new Random(StableHash.Combine(seed, "universe", "krx-all"));
        var codes = new HashSet<string>(takenCodes, StringComparer.Ordinal);
        var names = new HashSet<string>(takenNames, StringComparer.Ordinal);
        var kospiLeft = KospiStocks - kospiKnown;
        var total = KospiStocks + KosdaqStocks - codes.Count;
        for (var made = 0; made < total; made++)
        {
            // Common stocks' codes end in 0 (preferred shares 5, 7 …): five random digits and a 0, never one already listed.
            string code;
            do code = $"{random.Next(1, 99_999):D5}0"; while (!codes.Add(code));
            var name = NameHeads[random.Next(NameHeads.Length)] + NameTails[random.Next(NameTails.Length)];
            // Two stocks never share a name: a clash draws again with a number appended.
            for (var n = 2; !names.Add(name); n++) name = $"{NameHeads[random.Next(NameHeads.Length)]}{NameTails[random.Next(NameTails.Length)]}{n}";
            // Prices log-uniform from 1,000 to 500,000 KRW; the day's range a band around it.
            var mid = (long)Math.Exp(random.NextDouble() * (Math.Log(500_000) - Math.Log(1_000)) + Math.Log(1_000));
            var low = Math.Max(1_000, KrxRules.RoundDownToStockTick(mid * 85 / 100));
            var high = Math.Max(low + 10, KrxRules.RoundDownToStockTick(mid * 115 / 100));
            // The two markets interleave in rank, so both have busy and quiet names.
            var market = kospiLeft > 0 && random.Next(KospiStocks + KosdaqStocks) < KospiStocks ? "KOSPI" : "KOSDAQ";
            if (market == "KOSPI") kospiLeft--;
            yield return (code, name, market, low, high);
        }
    }
}
