using Kis.Realtime.Tests.Gateway;
using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Trs;

/// <summary>The TR tables regenerate from the repository alone (issue 22 item 5): no ../shared beside it.</summary>
public sealed class CatalogGeneratorTests
{
    /// <summary>
    /// Runs tools/trs/generate_trs.py against docs/kis-catalog.json into a temporary folder and compares every file with
    /// the checked-in src/Kis.Realtime/Trs/Catalog/*.g.cs, byte for byte. Uses Debian's python3 (KISRT_TEST_PYTHON to
    /// override), which CI has.
    /// </summary>
    [Fact]
    public async Task The_generator_reproduces_the_checked_in_tables_from_docs_alone()
    {
        var root = ReadmeSamples.RepositoryRoot();
        var python = Environment.GetEnvironmentVariable("KISRT_TEST_PYTHON") is { Length: > 0 } configured ? configured : "/usr/bin/python3";
        var output = Directory.CreateTempSubdirectory("kis-trs-");
        try
        {
            var catalog = Path.Combine(root, "docs", "kis-catalog.json");
            Assert.True(File.Exists(catalog), "docs/kis-catalog.json is missing");
            var run = await ChildProcess.RunAsync(python, [Path.Combine(root, "tools", "trs", "generate_trs.py"), catalog, output.FullName],
                TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 0, $"generate_trs.py exited {run.ExitCode}: {run.Errors}");

            var source = Path.Combine(root, "src", "Kis.Realtime");
            AssertSameFiles(Path.Combine(source, "Trs", "Catalog"), output.FullName, "*.g.cs");
            AssertSameFiles(Path.Combine(source, "Trs", "Views"), Path.Combine(output.FullName, "Views"), "*.g.cs");
            AssertSameFiles(Path.Combine(source, "Gaps"), Path.Combine(output.FullName, "Gaps"), "*.g.cs");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static void AssertSameFiles(string checkedIn, string output, string pattern)
    {
        var expected = Directory.GetFiles(checkedIn, pattern).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var generated = Directory.GetFiles(output, pattern).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, generated);
        foreach (var name in expected)
            Assert.True(File.ReadAllBytes(Path.Combine(checkedIn, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(output, name!))),
                $"{name} differs from what the generator writes: regenerate with python3 tools/trs/generate_trs.py");
    }

    /// <summary>A view spec that names a field a TR lacks, or a type the generator does not know, stops it with a message.</summary>
    [Theory]
    [InlineData("\"field\": \"futs_oprc\", \"in\": {\"H0ZFCNT0\": \"stck_oprc\"}", "\"field\": \"futs_oprc\"", "FuturesTrade.Open: H0ZFCNT0 has no field 'futs_oprc'")]
    [InlineData("\"type\": \"long\", \"field\": \"last_cnqn\"", "\"type\": \"int\", \"field\": \"last_cnqn\"", "FuturesTrade.Volume: unknown type 'int'")]
    [InlineData("\"type\": \"long?\", \"field\": \"dscs_bltr_acml_qty\"", "\"type\": \"long\", \"field\": \"dscs_bltr_acml_qty\"", "absent in H0ZFCNT0 but long is not nullable")]
    [InlineData("\"volume\": \"pcas_vol\"", "\"volume\": \"cntg_vol\"", "H0UPCNT0 has no volume field 'cntg_vol'")]
    public async Task The_generator_refuses_a_view_spec_that_does_not_fit_the_catalog(string from, string to, string message)
    {
        var root = ReadmeSamples.RepositoryRoot();
        var python = Environment.GetEnvironmentVariable("KISRT_TEST_PYTHON") is { Length: > 0 } configured ? configured : "/usr/bin/python3";
        var output = Directory.CreateTempSubdirectory("kis-views-");
        try
        {
            var spec = await File.ReadAllTextAsync(Path.Combine(root, "tools", "trs", "views.json"));
            Assert.Contains(from, spec);
            var bad = Path.Combine(output.FullName, "views.json");
            await File.WriteAllTextAsync(bad, spec.Replace(from, to, StringComparison.Ordinal));
            var run = await ChildProcess.RunAsync(python,
                [Path.Combine(root, "tools", "trs", "generate_trs.py"), Path.Combine(root, "docs", "kis-catalog.json"), output.FullName, bad],
                TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains(message, run.Errors);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
