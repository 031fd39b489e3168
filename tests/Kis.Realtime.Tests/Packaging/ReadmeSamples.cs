using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// The C# samples of the repository's documentation (README.md, docs/*.md and each package's src/*/README.md), each marked by an HTML comment
/// <c>&lt;!-- sample: NAME --&gt;</c> before its block.
/// </summary>
internal static partial class ReadmeSamples
{
    /// <summary>
    /// The checkout the tests were built from: the nearest folder above the test assembly that holds the solution.
    /// Not [CallerFilePath]: CI builds map source paths to <c>/_/</c> (ContinuousIntegrationBuild), which is no folder.
    /// </summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kis.Realtime.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No Kis.Realtime.slnx above {AppContext.BaseDirectory}: run the tests from a checkout of the repository.");
    }

    public static IReadOnlyDictionary<string, string> Load()
    {
        var root = RepositoryRoot();
        var pages = Pages(root);
        return pages.SelectMany(page => Sample().Matches(File.ReadAllText(page).ReplaceLineEndings("\n")))
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["code"].Value); // a name used twice throws: names are unique

    }

    /// <summary>The names of the README's own samples, in the order it shows them.</summary>
    public static IReadOnlyList<string> InReadme() =>
        Sample().Matches(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).ReplaceLineEndings("\n")).Select(m => m.Groups["name"].Value).ToList();

    /// <summary>
    /// The README's shell blocks that a test runs as written, each marked by <c>&lt;!-- commands: NAME --&gt;</c> before
    /// its <c>```bash</c> block.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Commands() =>
        CommandBlock().Matches(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).ReplaceLineEndings("\n"))
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["code"].Value);

    /// <summary>The pages whose C# blocks are samples: the README, docs/ and the packages' READMEs (shown on nuget.org).</summary>
    public static IEnumerable<string> Pages(string root) =>
        Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal)
            .Concat(Directory.GetDirectories(Path.Combine(root, "src")).Order(StringComparer.Ordinal).Select(p => Path.Combine(p, "README.md")).Where(
                File.Exists))
            .Prepend(Path.Combine(root, "README.md"));

    [GeneratedRegex(@"<!-- sample: (?<name>[a-z-]+) -->\n```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Sample();

    [GeneratedRegex(@"<!-- commands: (?<name>[a-z-]+) -->\n```bash\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CommandBlock();
}
