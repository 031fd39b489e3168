using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>The C# samples of the repository README, each marked by an HTML comment <c>&lt;!-- sample: NAME --&gt;</c> before its block.</summary>
internal static partial class ReadmeSamples
{
    public static string RepositoryRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", ".."));

    public static IReadOnlyDictionary<string, string> Load()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).ReplaceLineEndings("\n");
        return Sample().Matches(readme).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["code"].Value);
    }

    [GeneratedRegex(@"<!-- sample: (?<name>[a-z-]+) -->\n```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Sample();
}
