using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// Facts the docs state that the code decides (issue 31, item 13): the package README said five TRs when the catalog
/// has 60, and docs/development.md had lost test folders as they were added.
/// </summary>
public class DocsDriftTests
{
    private static string Read(params string[] path) => File.ReadAllText(Path.Combine([ReadmeSamples.RepositoryRoot(), .. path]));

    [Theory]
    [InlineData("README.md")]
    [InlineData("src/Kis.Realtime/README.md")]
    public void The_readmes_state_the_catalogs_tr_count(string readme)
    {
        var text = Read(readme.Split('/'));
        var count = KisTrs.Catalog.Count;
        Assert.True(text.Contains($"All {count} KIS real-time TRs", StringComparison.Ordinal), $"{readme} does not say \"All {count} KIS real-time TRs\"");
        // No other count of TRs ("five TRs", "42 TRs") beside the catalog's.
        var others = Regex.Matches(text, @"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten) (KIS )?(real-time )?TRs\b", RegexOptions.IgnoreCase)
            .Select(m => m.Value).Where(v => !v.StartsWith(count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                StringComparison.Ordinal)).ToList();
        Assert.True(others.Count == 0, $"{readme} also says: {string.Join(", ", others)}");
    }

    [Theory]
    [InlineData("tests/Kis.Realtime.Tests")]
    [InlineData("tests/Kis.Realtime.IntegrationTests")]
    public void The_development_guide_names_every_test_folder(string project)
    {
        var guide = Read("docs", "development.md");
        var folders = Directory.GetDirectories(Path.Combine(ReadmeSamples.RepositoryRoot(), project))
            .Select(Path.GetFileName).Where(name => name is not ("bin" or "obj" or "TestResults")).ToList();
        Assert.NotEmpty(folders);
        var missing = folders.Where(name => !guide.Contains(name + "/", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"docs/development.md does not name these folders of {project}: {string.Join(", ", missing)}");
    }
}
