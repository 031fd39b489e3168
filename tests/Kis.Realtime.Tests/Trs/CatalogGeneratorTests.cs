using Kis.Realtime.Tests.Gateway;
using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Trs;

/// <summary>The TR tables regenerate from the repository alone (issue 22 item 5): no ../shared beside it.</summary>
public sealed class CatalogGeneratorTests
{
    private static readonly string Root = ReadmeSamples.RepositoryRoot();

    /// <summary>
    /// Runs tools/trs/generate_trs.py against docs/kis-catalog.json into a temporary folder and compares every file with
    /// the checked-in src/Kis.Realtime/Trs/Catalog/*.g.cs, Trs/Views/*.g.cs, Trs/Internal/NoticeReaders.g.cs, Gaps/Internal/*.g.cs
    /// and Bars/*.g.cs and the simulator's
    /// Market/ViewFields.g.cs, RecordWriters.g.cs, ViewProperties.g.cs, BookFields.g.cs and TradingHours.g.cs and the CLI's
    /// Configuration/SubscriptionAliases.g.cs, byte for byte.
    /// </summary>
    [Fact]
    public async Task The_generator_reproduces_the_checked_in_tables_from_docs_alone()
    {
        Assert.True(File.Exists(Path.Combine(Root, "docs", "kis-catalog.json")), "docs/kis-catalog.json is missing");
        await InTemporaryFolder(async output =>
        {
            var run = await RunGenerator(output);
            Assert.True(run.ExitCode == 0, $"generate_trs.py exited {run.ExitCode}: {run.Errors}");

            var source = Path.Combine(Root, "src", "Kis.Realtime");
            AssertSameFiles(Path.Combine(source, "Trs", "Catalog"), output);
            AssertSameFiles(Path.Combine(source, "Trs", "Views"), Path.Combine(output, "Views"));
            AssertSameFiles(Path.Combine(source, "Gaps", "Internal"), Path.Combine(output, "Gaps", "Internal"));
            AssertSameFiles(Path.Combine(source, "Trs", "Internal"), Path.Combine(output, "Trs", "Internal"));
            AssertSameFiles(Path.Combine(source, "Bars"), Path.Combine(output, "Bars"));
            AssertSameFiles(Path.Combine(Root, "src", "Kis.Realtime.Simulator", "Market"), Path.Combine(output, "Simulator"));
            AssertSameFiles(Path.Combine(Root, "src", "Kis.Realtime.Cli", "Configuration"), Path.Combine(output, "Cli"));
        });
    }

    /// <summary>A view spec that names a field a TR lacks, or a type the generator does not know, stops it with a message.</summary>
    [Theory]
    [InlineData("\"field\": \"futs_oprc\", \"in\": {\"H0ZFCNT0\": \"stck_oprc\"}", "\"field\": \"futs_oprc\"",
        "FuturesTrade.Open: H0ZFCNT0 has no field 'futs_oprc'")]
    [InlineData("\"type\": \"long\", \"field\": \"last_cnqn\"", "\"type\": \"ulong\", \"field\": \"last_cnqn\"", "FuturesTrade.Volume: unknown type 'ulong'")]
    [InlineData("\"type\": \"long?\", \"field\": \"dscs_bltr_acml_qty\"", "\"type\": \"long\", \"field\": \"dscs_bltr_acml_qty\"",
        "absent in H0ZFCNT0 but long is not nullable")]
    [InlineData("\"volume\": \"TickVolume\"", "\"volume\": \"ChangeRate\"", "IndexTick trade H0UPCNT0: H0UPCNT0.prdy_ctrt is Decimal, not Integer")]
    [InlineData("\"volume\": \"TickVolume\"", "\"volume\": \"TickVolumes\"", "IndexTick: trade: volume 'TickVolumes' is not a property")]
    [InlineData("\"Greek\": [\"Delta\", ", "\"Greek\": [", "OptionsTrade.Delta: no simulator role")]
    [InlineData("\"oder_prc\": \"w.ZeroPadded", "\"oder_prcx\": \"w.ZeroPadded", "StockNoticeWriter: H0STCNI0 field(s) oder_prc have no statement")]
    [InlineData("\"oder_prc\": [\"OrderPrice\"", "\"oder_prcx\": [\"OrderPrice\"", "StockNoticeFields: H0STCNI0 field(s) oder_prc have no entry")]
    [InlineData("\"filler\": null", "\"filler\": null, \"fillers\": null", "StockNoticeFields: fillers is a field of none of H0STCNI0")]
    [InlineData("[\"OrderGroup\", \"Text\"]", "[\"OrderGroup\", \"Chars\"]", "FuturesOptionsNoticeFields: ord_grp: unknown call 'Chars'")]
    [InlineData("[\"elw-book\", \"H0EWASP0\"], ", "", "cli_aliases: H0EWASP0 has no alias: add one, or list it in by_id_only")]
    [InlineData("\"AskCount\": \"askp_csnu{n}\"", "\"AskCount\": \"askp_cnt{n}\"", "H0IFASP0 has no field askp_cnt{n}")]
    [InlineData("\"CumulativeVolume\": \"acml_vol\"", "\"CumulativeVolume\": \"hour_cls_code\"", "H0STASP0's hour_cls_code is claimed twice")]
    [InlineData("\"KrxStockTrades\": [\"H0STCNT0\"]", "\"KrxStockTrades\": [\"H0STCNT0\", \"H0STANC0\"]",
        "simulator_hours: H0STANC0 is in KrxAuctions and KrxStockTrades")]
    public async Task The_generator_refuses_a_view_spec_that_does_not_fit_the_catalog(string from, string to, string message)
    {
        var spec = await File.ReadAllTextAsync(Path.Combine(Root, "tools", "trs", "views.json"));
        Assert.Contains(from, spec);
        await InTemporaryFolder(async output =>
        {
            var bad = Path.Combine(output, "views.json");
            await File.WriteAllTextAsync(bad, spec.Replace(from, to, StringComparison.Ordinal));
            var run = await RunGenerator(output, bad);
            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains(message, run.Errors);
        });
    }

    /// <summary>Uses Debian's python3 (KISRT_TEST_PYTHON to override), which CI has.</summary>
    private static Task<ChildProcess.Result> RunGenerator(string output, params string[] spec)
    {
        var python = Environment.GetEnvironmentVariable("KISRT_TEST_PYTHON") is { Length: > 0 } configured ? configured : "/usr/bin/python3";
        return ChildProcess.RunAsync(python,
            [Path.Combine(Root, "tools", "trs", "generate_trs.py"), Path.Combine(Root, "docs", "kis-catalog.json"), output, .. spec],
            TimeSpan.FromSeconds(60));
    }

    private static async Task InTemporaryFolder(Func<string, Task> body)
    {
        var output = Directory.CreateTempSubdirectory("kis-trs-");
        try
        {
            await body(output.FullName);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static void AssertSameFiles(string checkedIn, string output)
    {
        var expected = Directory.GetFiles(checkedIn, "*.g.cs").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var generated = Directory.GetFiles(output, "*.g.cs").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, generated);
        foreach (var name in expected)
            Assert.True(File.ReadAllBytes(Path.Combine(checkedIn, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(output, name!))),
                $"{name} differs from what the generator writes: regenerate with python3 tools/trs/generate_trs.py");
    }
}
