using System.Text.Json;
using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>What `dotnet pack` packs: the packages of the README's table, and nothing that is not one.</summary>
public sealed class PackListTests
{
    private static readonly string Root = ReadmeSamples.RepositoryRoot();

    private static bool IsPackable(string csproj) =>
        Regex.IsMatch(File.ReadAllText(csproj), @"<IsPackable>\s*true\s*</IsPackable>", RegexOptions.IgnoreCase);

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
    }
}
