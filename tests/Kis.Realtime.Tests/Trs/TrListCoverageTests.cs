using System.Reflection;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Protocol;
using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Trs;

/// <summary>
/// The places that name TRs beside the catalog (issue 60, item 1) cannot miss a TR added to it: kisrt's alias table is
/// generated (views.json's cli_aliases, where the generator stops on a TR with no decision), and the typed subscribe
/// helpers are checked here against the catalog. The live table's summaries are checked by TrsCommandTests.
/// </summary>
public sealed partial class TrListCoverageTests
{
    /// <summary>
    /// The catalog TRs with no typed helper in <see cref="KisSubscribeExtensions"/>: subscribed through
    /// <c>SubscribeRecordsAsync(KisTrs.&lt;id&gt;)</c> and decoded with their view's <c>TryDecode</c>. A TR added to the catalog
    /// fails <see cref="Every_catalog_tr_has_a_typed_helper_or_is_listed_without_one"/> until it gets a helper or a line here.
    /// </summary>
    private static readonly string[] WithoutTypedHelper =
    [
        "H0STOAC0", "H0STOAA0", "H0STOUP0", // KRX after-hours single-price session: StockExpectedTrade/StockOrderBook/StockTrade
        "H0UPANC0", "H0UPPGM0", // expected index ticks (IndexTick) and index program trades (no typed view)
        "H0EWASP0", "H0EWANC0", // ELW book and expected trades (no typed view)
        "H0MFCNI0", "H0EUCNI0", // night futures/options notices (FuturesOptionsNotice)
        "HDFSASP1", // Asian overseas books (OverseasStockOrderBook)
    ];

    [Fact]
    public void Every_catalog_tr_has_a_typed_helper_or_is_listed_without_one()
    {
        var source = File.ReadAllText(Path.Combine(ReadmeSamples.RepositoryRoot(), "src", "Kis.Realtime", "KisSubscribeExtensions.cs"));
        var byName = typeof(KisTrs).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(TrDefinition))
            .ToDictionary(p => p.Name, p => ((TrDefinition)p.GetValue(null)!).Id, StringComparer.Ordinal);
        var helped = KisTrsName().Matches(source).Select(m => byName[m.Groups[1].Value]).ToHashSet(StringComparer.Ordinal);

        var catalog = KisTrs.Catalog.Select(t => t.Id).ToList();
        var missing = catalog.Where(id => !helped.Contains(id) && !WithoutTypedHelper.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"no typed helper and not in WithoutTypedHelper: {string.Join(", ", missing)}");
        var helpedNow = WithoutTypedHelper.Where(helped.Contains).ToList();
        Assert.True(helpedNow.Count == 0, $"has a typed helper now, so leaves WithoutTypedHelper: {string.Join(", ", helpedNow)}");
        Assert.All(WithoutTypedHelper, id => Assert.Contains(id, catalog));
    }

    /// <summary>Every catalog TR has a kisrt alias or is named by its id only, never both; every alias resolves.</summary>
    [Fact]
    public void Every_catalog_tr_has_a_kisrt_alias_or_is_subscribed_by_its_id()
    {
        var aliased = SubscriptionSpec.AliasTable.Select(a => a.Tr).ToHashSet();
        Assert.All(KisTrs.Catalog, tr => Assert.True(aliased.Contains(tr) ^ SubscriptionSpec.ByIdOnly.Contains(tr), tr.Id));
        Assert.All(SubscriptionSpec.ByIdOnly, tr => Assert.True(SubscriptionSpec.TryResolve(tr.Id.ToLowerInvariant(), out var resolved) && resolved == tr));
        Assert.All(SubscriptionSpec.AliasTable, a => Assert.True(SubscriptionSpec.TryResolve(a.Alias, out var resolved) && resolved == a.Tr, a.Alias));
        Assert.Equal(51, SubscriptionSpec.AliasTable.Count); // the hand-written table had 51 aliases
    }

    [GeneratedRegex(@"KisTrs\.(\w+)")]
    private static partial Regex KisTrsName();
}
