using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>The instrument master gives plausible levels, distinct names and notices on instruments that exist.</summary>
public sealed class LevelsTests
{
    private static async Task<SessionRecords> CollectAsync(int seed, string[][] subs, int perSub)
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 0, 30, 0, TimeSpan.Zero));
        await using var sim = await Sim.StartAsync(o => o
            with { RandomNotices = true, TimeProvider = clock, Pace = MarketPace.FlatOut, Seed = seed, MaxRecordsPerFrame = 20 });
        await using var c = await Sim.ClientAsync(sim);
        foreach (var s in subs) await c.SubscribeAsync(s[0], s[1]);
        var session = new SessionRecords();
        await session.ReadUntilAsync(c,
            r => subs.All(s => r.Records.Count(x => x.TrId == s[0] && x.Record.StartsWith(s[1] + "^", StringComparison.Ordinal)) >= perSub
            || (s[0] == "H0IFCNI0" && r.Count(s[0]) >= perSub)));
        return session;
    }

    private static T Decode<T>(TrDefinition tr, string record) where T : struct, IKisRecord<T>
    {
        Assert.True(T.TryDecode(tr, Encoding.UTF8.GetBytes(record), out var value, out var err), $"{err} in {record}");
        return value;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public async Task Indices_trade_at_todays_magnitudes(int seed)
    {
        using var s = await CollectAsync(seed, [["H0UPCNT0", "0001"], ["H0UPCNT0", "1001"], ["H0UPCNT0", "2001"]], 50);
        var ticks = s.Of("H0UPCNT0").Select(r => Decode<IndexTick>(KisTrs.IndexTicks, r)).ToList();
        // Previous closes from the master's ranges; the day's moves stay within a few percent of them.
        Assert.All(ticks.Where(t => t.IndexCode == "0001"), t => { Assert.InRange(t.PreviousClose, 2_400m, 2_700m); Assert.InRange(t.Value, 2_330m, 2_780m); });
        Assert.All(ticks.Where(t => t.IndexCode == "1001"), t => Assert.InRange(t.PreviousClose, 680m, 800m));
        Assert.All(ticks.Where(t => t.IndexCode == "2001"), t => Assert.InRange(t.PreviousClose, 320m, 360m));
        Assert.All(ticks.Where(t => t.IndexCode == "0001"),
            t => Assert.InRange(t.AdvancingIssues + t.DecliningIssues + t.UnchangedIssues + t.UpperLimitIssues + t.LowerLimitIssues, 900, 1_000));
    }

    [Fact]
    public async Task Bonds_have_distinct_names_per_isin_and_the_documented_bond_keeps_its_name()
    {
        string[] isins = ["KR103502GD31", "KR103501GE34", "KR2033022D96", "KR6005931D12"];
        using var s = await CollectAsync(7, [.. isins.Select(i => new[] { "H0BJCNT0", i })], 3);
        var names = s.Of("H0BJCNT0").Select(r => Decode<BondTrade>(KisTrs.BondTrades, r)).GroupBy(t => t.Isin)
            .ToDictionary(g => g.Key, g => g.Select(t => t.Name).Distinct().Single());
        Assert.Equal(isins.Order(), names.Keys.Order());
        Assert.Equal("국고03250-5303(23-2)", names["KR103502GD31"]);
        Assert.Equal(names.Count, names.Values.Distinct().Count());
        Assert.All(names.Values, n => Assert.Matches("[가-힣]", n));
        Assert.All(s.Of("H0BJCNT0").Select(r => Decode<BondTrade>(KisTrs.BondTrades, r)), t =>
        {
            Assert.InRange(t.Price, 8_000m, 13_500m);
            Assert.InRange(t.Yield, 0.5m, 6m);
        });
    }

    [Theory]
    [InlineData("H0UNPGM0")]
    [InlineData("H0NXPGM0")]
    public async Task Program_trading_amounts_match_the_stock_price(string trId)
    {
        using var s = await CollectAsync(7, [[trId, "005930"], [trId, "000660"]], 40);
        KisTrs.TryGet(trId, out var tr);
        foreach (var (code, low, high) in new[] { ("005930", 55_000m, 80_000m), ("000660", 170_000m, 230_000m) })
        {
            var trades = s.Of(trId).Select(r => Decode<ProgramTrade>(tr, r)).Where(t => t.StockCode == code).ToList();
            for (var i = 1; i < trades.Count; i++)
            {
                var soldQty = trades[i].SellVolume - trades[i - 1].SellVolume;
                var soldAmount = trades[i].SellAmount - trades[i - 1].SellAmount;
                if (soldQty > 0) Assert.InRange((decimal)soldAmount / soldQty, low * 0.98m, high * 1.02m); // each trade's price
            }
            var last = trades[^1];
            if (last.BuyVolume > 0) Assert.InRange((decimal)last.BuyAmount / last.BuyVolume, low * 0.98m, high * 1.02m); // average
        }
    }

    [Fact]
    public async Task Notices_trade_products_priced_from_the_same_market()
    {
        using var s = await CollectAsync(7, [["H0UPCNT0", "2001"], ["H0IFCNI0", SimulatorOptions.DefaultHtsId]], 200);
        var kospi200 = Decode<IndexTick>(KisTrs.IndexTicks, s.Of("H0UPCNT0")[0]).PreviousClose;
        var notices = s.Of("H0IFCNI0").Select(r => Decode<FuturesOptionsNotice>(KisTrs.FuturesOptionsNotices, r)).ToList();
        var products = notices.Select(n => (n.ProductCode, n.ProductName)).Distinct().ToList();
        Assert.Equal(4, products.Count);
        foreach (var n in notices.Where(n => n.OrderPriceField > 0))
        {
            if (n.ProductCode.StartsWith("101", StringComparison.Ordinal)) Assert.InRange(n.OrderPriceField, kospi200 * 0.97m, kospi200 * 1.03m);
            if (n.ProductCode.StartsWith("111", StringComparison.Ordinal)) Assert.InRange(n.OrderPriceField, 53_000m, 82_000m);
        }
        // Quarterly expiry at or after the market date (2026-11-23): December 2026, KRX year letter X, month C.
        Assert.Contains(("101XC000", "코스피200 F 202612"), products);
        Assert.Contains(products, p => p.ProductName.StartsWith("삼성전자", StringComparison.Ordinal));
    }
}
