using System.Reflection;
using Kis.Realtime.Protocol;
using Kis.Realtime.Cli.Output;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// kisrt's live-table line is picked by the TRs each typed view lists, not by a list of TR ids: every TR a view decodes
/// has its line, and a catalog TR without one is named here (it shows its raw fields).
/// </summary>
public class RecordSummaryTests
{
    /// <summary>The catalog TRs no typed view decodes (no line but their raw fields).</summary>
    private static readonly string[] RawOnly = ["H0UPPGM0", "H0EWASP0", "H0EWANC0"];

    [Fact]
    public void Every_tr_a_view_decodes_has_a_typed_line()
    {
        var viewed = ViewedTrs();
        var missing = viewed.Where(tr => !RecordSummary.HasTypedLine(tr)).Select(tr => tr.Id).ToList();
        Assert.True(missing.Count == 0, $"a view decodes these TRs but RecordSummary has no line for them: {string.Join(", ", missing)}");
        Assert.All(KisTrs.All.Where(RecordSummary.HasTypedLine), tr => Assert.Contains(tr, viewed));
    }

    [Fact]
    public void Every_catalog_tr_has_a_typed_line_or_is_named_raw()
    {
        var missing = KisTrs.All.Where(tr => !RecordSummary.HasTypedLine(tr) && !RawOnly.Contains(tr.Id)).Select(tr => tr.Id).ToList();
        Assert.True(missing.Count == 0, $"no typed line and not in RawOnly: {string.Join(", ", missing)}");
        var typedNow = RawOnly.Where(id => KisTrs.TryGet(id, out var tr) && RecordSummary.HasTypedLine(tr)).ToList();
        Assert.True(typedNow.Count == 0, $"has a typed line now, so leaves RawOnly: {string.Join(", ", typedNow)}");
    }

    /// <summary>The TRs of every <see cref="IKisRecord{TSelf}"/> in the library, read from each view's static <c>Trs</c>.</summary>
    private static HashSet<TrDefinition> ViewedTrs()
    {
        var views = typeof(KisTrs).Assembly.GetExportedTypes()
            .Where(t => t.IsValueType && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IKisRecord<>)));
        var trs = new HashSet<TrDefinition>();
        foreach (var view in views)
        {
            var list = (IReadOnlyList<TrDefinition>)view.GetProperty("Trs", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            trs.UnionWith(list);
        }
        Assert.NotEmpty(trs);
        return trs;
    }
}
