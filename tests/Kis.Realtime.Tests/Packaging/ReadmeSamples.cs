using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// The C# samples of the repository's documentation (README.md and docs/*.md), each marked by an HTML comment
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
        var pages = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal).Prepend(Path.Combine(root, "README.md"));
        return pages.SelectMany(page => Sample().Matches(File.ReadAllText(page).ReplaceLineEndings("\n")))
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["code"].Value); // a name used twice throws: names are unique

    }

    [GeneratedRegex(@"<!-- sample: (?<name>[a-z-]+) -->\n```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Sample();
}
