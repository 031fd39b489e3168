using System.Text.Json;
using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>What `dotnet pack` packs: the packages of the README's table, and nothing that is not one.</summary>
public sealed class PackListTests
{
    private static readonly string Root = ReadmeSamples.RepositoryRoot();

    private static bool IsPackable(string csproj) =>
        Regex.IsMatch(File.ReadAllText(csproj), @"<IsPackable>\s*true\s*</IsPackable>", RegexOptions.IgnoreCase);

    /// <summary>The package ids scripts/pack.sh packs: the projects of the pack filter.</summary>
    public static IReadOnlyList<string> PackedIds()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "src", "Kis.Realtime.Packages.slnf")));
        return json.RootElement.GetProperty("solution").GetProperty("projects").EnumerateArray()
            .Select(p => Path.GetFileNameWithoutExtension(p.GetString()!.Replace('\\', '/'))).Order(StringComparer.Ordinal).ToList();
    }

    private static readonly string[] Numbers = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

    /// <summary>
    /// Every count of packages the README and docs/cli.md state ("all eight", "the README's 8 packages", "the seven
    /// packable projects") is the pack's count. Failed before: docs/cli.md said seven where the pack makes eight.
    /// </summary>
    [Theory]
    [InlineData("README.md")]
    [InlineData("docs/cli.md")]
    public void The_docs_count_the_packages_the_pack_makes(string page)
    {
        var text = File.ReadAllText(Path.Combine([Root, .. page.Split('/')]));
        var counts = Regex.Matches(text,
            @"\b(?<n>\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)( packable)? (packages|projects)\b|\ball (?<n>\w+) from the clone",
            RegexOptions.IgnoreCase)
            .Select(m => (Text: m.Value, N: int.TryParse(m.Groups["n"].Value, out var n) ? n : Array.IndexOf(Numbers, m.Groups["n"].Value.ToLowerInvariant())))
            .ToList();
        Assert.NotEmpty(counts);
        var wrong = counts.Where(c => c.N != PackedIds().Count).Select(c => c.Text).ToList();
        Assert.True(wrong.Count == 0, $"{page} counts {string.Join(", ", wrong)}; the pack makes {PackedIds().Count}");
    }

    [Fact]
    public void The_pack_filter_lists_exactly_the_packable_projects_and_the_readme_counts_them()
    {
        // Failed before: there was no filter, and the documented bare `dotnet pack` restored and built tests and benchmarks.
        var filter = Path.Combine(Root, "src", "Kis.Realtime.Packages.slnf");
        using var json = JsonDocument.Parse(File.ReadAllText(filter));
        var listed = json.RootElement.GetProperty("solution").GetProperty("projects").EnumerateArray()
            .Select(p => p.GetString()!.Replace('\\', '/')).Order().ToList();
        var packable = Directory.GetFiles(Root, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && IsPackable(p))
            .Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/')).Order().ToList();
        Assert.Equal(packable, listed);
        Assert.All(listed, p => Assert.StartsWith("src/", p));

        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var table = readme[readme.IndexOf("## Packages", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var ids = Regex.Matches(table, @"^\| `(?<id>Kis\.Realtime[\w.]*)` \|", RegexOptions.Multiline).Select(m => m.Groups["id"].Value).Order().ToList();
        Assert.Equal(listed.Select(p => Path.GetFileNameWithoutExtension(p)).Order().ToList(), ids);
        Assert.Contains("dotnet pack src/Kis.Realtime.Packages.slnf", File.ReadAllText(Path.Combine(Root, "docs", "cli.md")));
        Assert.Contains("dotnet pack src/Kis.Realtime.Packages.slnf", File.ReadAllText(Path.Combine(Root, "scripts", "pack.sh")));
    }
}
