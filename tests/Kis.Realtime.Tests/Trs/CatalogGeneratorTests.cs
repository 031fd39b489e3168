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

            var checkedIn = Path.Combine(root, "src", "Kis.Realtime", "Trs", "Catalog");
            var expected = Directory.GetFiles(checkedIn, "*.g.cs").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            var generated = Directory.GetFiles(output.FullName, "*.g.cs").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, generated);
            foreach (var name in expected)
                Assert.True(File.ReadAllBytes(Path.Combine(checkedIn, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(output.FullName, name!))),
                    $"{name} differs from what the generator writes: regenerate with python3 tools/trs/generate_trs.py");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
