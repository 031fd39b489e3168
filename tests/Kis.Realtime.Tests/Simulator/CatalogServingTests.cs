using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Every TR of the library's table is served on its profile (real or paper), and each of its records decodes with the
/// table: the right number of fields, the key field = the subscribed key, every typed field parses.
/// </summary>
public sealed class CatalogServingTests
{
    private const int PerTr = 3;

    /// <summary>The TRs a server of <paramref name="profile"/> offers: those whose environments include it.</summary>
    private static List<TrDefinition> Offered(SimulatorProfile profile)
    {
        var env = profile == SimulatorProfile.Paper ? KisEnvironment.Paper : KisEnvironment.Real;
        return [.. KisTrs.All.Where(t => t.IsOfferedOn(env))];
    }

    /// <summary>Market status TRs (H0STMKO0 family) send once when subscribed, then only on a change (a VI): one record.</summary>
    private static int RecordsToRead(TrDefinition tr) => tr.Id.EndsWith("MKO0", StringComparison.Ordinal) ? 1 : PerTr;

    [Theory]
    [InlineData(SimulatorProfile.Real)]
    [InlineData(SimulatorProfile.Paper)]
    public async Task Every_tr_of_the_profile_is_served_and_each_record_decodes_with_its_table(SimulatorProfile profile)
    {
        // Random stock notices: without orders at the paper venue its notice TRs would say nothing.
        await using var sim = await Sim.StartAsync(o => o with { Profile = profile, Pace = MarketPace.PerSecond(30), RandomNotices = true });
        var offered = Offered(profile);
        Assert.NotEmpty(offered);
        var served = new HashSet<string>();
        // 41 registrations per session: one session per chunk, one after the other (one live session per app key).
        foreach (var chunk in offered.Chunk(SimSessionLimit))
        {
            await using (var c = await Sim.ClientAsync(sim))
            {
                foreach (var tr in chunk) await c.SubscribeAsync(tr.Id, tr.KeyExample);
                using var session = new SessionRecords();
                await session.ReadUntilAsync(c, r => chunk.All(t => r.Count(t.Id) >= RecordsToRead(t)));
                foreach (var tr in chunk)
                {
                    foreach (var record in session.Of(tr.Id)) AssertDecodes(tr, tr.KeyExample, record);
                    served.Add(tr.Id);
                }
            }
            await Sim.SessionsAsync(sim, s => s.Count == 0);
        }
        Assert.Equal(offered.Select(t => t.Id).Order(), served.Order());
        if (profile == SimulatorProfile.Real) Assert.Equal(KisTrs.Catalog.Count, served.Count); // the 60 of KIS's catalog
    }

    private const int SimSessionLimit = 40;

    [Fact]
    public async Task Each_profile_refuses_the_other_profiles_ids()
    {
        await using var paper = await Sim.StartAsync(o => o with { Profile = SimulatorProfile.Paper });
        await using var c = await Sim.ClientAsync(paper);
        foreach (var tr in KisTrs.All.Where(t => !t.IsOfferedOn(KisEnvironment.Paper)).Take(5))
            Assert.Equal(OpspCode.InvalidTrId, (await c.RequestAsync(tr.Id, tr.KeyExample)).Code);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0STCNT0", "005930")).Code);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0STCNI9", SimulatorOptions.DefaultHtsId)).Code);
        Assert.Equal(OpspCode.InvalidTrId, (await c.RequestAsync("H0STCNI0", SimulatorOptions.DefaultHtsId)).Code);
    }

    internal static void AssertDecodes(TrDefinition tr, string key, string record)
    {
        var fields = record.Split('^');
        Assert.True(tr.Fields.Count == fields.Length, $"{tr.Id}: {fields.Length} fields, the table has {tr.Fields.Count}: {record}");
        if (tr.KeyField >= 0) Assert.Equal(key, fields[tr.KeyField]);
        for (var i = 0; i < fields.Length; i++)
        {
            var f = tr.Fields[i];
            var bytes = Encoding.UTF8.GetBytes(fields[i]);
            var ok = f.Type switch
            {
                FieldType.Time => FieldParsers.TryParseTime(bytes, out _),
                FieldType.Date => FieldParsers.TryParseDate(bytes, out _),
                FieldType.Decimal => FieldParsers.TryParseDecimal(bytes, f.ImpliedDecimals, out _),
                FieldType.Integer => FieldParsers.TryParseInt64(bytes, out _),
                _ => !fields[i].Contains('|'),
            };
            Assert.True(ok, $"{tr.Id}.{f.Name} ({f.Type}) = '{fields[i]}' does not parse: {record}");
        }
        AssertBookShape(tr, fields, record);
    }

    /// <summary>Book levels: asks ascend, bids descend, the best ask is above the best bid; totals are the sums of their levels.</summary>
    private static void AssertBookShape(TrDefinition tr, string[] fields, string record)
    {
        decimal? Value(string name) => tr.IndexOf(name) is var i and >= 0 ? decimal.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture) : null;
        foreach (var (ask, bid) in new[] { ("askp", "bidp"), ("futs_askp", "futs_bidp"), ("optn_askp", "optn_bidp"), ("pask", "pbid"),
            ("ask_price_", "bid_price_") })
        {
            for (var n = 2; Value(ask + n) is { } a && Value(ask + (n - 1)) is { } below; n++)
                Assert.True(a > below, $"{tr.Id}: {ask}{n} {a} not above {ask}{n - 1} {below}: {record}");
            for (var n = 2; Value(bid + n) is { } b && Value(bid + (n - 1)) is { } above; n++)
                Assert.True(b < above, $"{tr.Id}: {bid}{n} {b} not below {bid}{n - 1} {above}: {record}");
            if (Value(ask + 1) is { } bestAsk && Value(bid + 1) is { } bestBid)
                Assert.True(bestAsk > bestBid, $"{tr.Id}: {ask}1 {bestAsk} not above {bid}1 {bestBid}: {record}");
        }
        foreach (var (total, stem) in new[] { ("total_askp_rsqn", "askp_rsqn"), ("total_bidp_rsqn", "bidp_rsqn"), ("total_askp_csnu", "askp_csnu"),
            ("total_bidp_csnu", "bidp_csnu"), ("avol", "vask"), ("bvol", "vbid") })
        {
            var levels = Enumerable.Range(1, 10).Select(n => Value(stem + n)).TakeWhile(v => v is not null).ToList();
            if (levels.Count < 2 || Value(total) is not { } sum) continue;
            Assert.True(levels.Sum() == sum, $"{tr.Id}: {total} {sum} is not the sum of {stem}1..{levels.Count}: {record}");
        }
    }
}
