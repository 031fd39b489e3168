using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Source;

/// <summary>
/// Issue 44, item 4: the line length of .editorconfig (160), held for new code. The lines over it that existed when the
/// rule came (long-lines.txt: a count per file) may only go away: a file may not gain one, a new file has none.
/// Generated files (*.g.cs) are left out (their generator decides).
/// </summary>
public sealed class LineLengthTests
{
    private const int MaxLineLength = 160;

    [Fact]
    public void No_source_file_gains_a_line_over_160_characters()
    {
        var root = ReadmeSamples.RepositoryRoot();
        var baseline = File.ReadAllLines(Path.Combine(root, "tests", "Kis.Realtime.Tests", "Source", "long-lines.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2))
            .ToDictionary(p => p[1], p => int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

        var over = new List<string>();
        foreach (var (file, count) in LongLines(root))
            if (count > baseline.GetValueOrDefault(file))
                over.Add($"{file}: {count} lines over {MaxLineLength} characters (allowed {baseline.GetValueOrDefault(file)}; wrap the new ones)");

        Assert.True(over.Count == 0, string.Join("\n", over));
    }

    [Fact]
    public void The_baseline_names_only_files_that_exist()
    {
        var root = ReadmeSamples.RepositoryRoot();
        var stale = File.ReadAllLines(Path.Combine(root, "tests", "Kis.Realtime.Tests", "Source", "long-lines.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2)[1])
            .Where(f => !File.Exists(Path.Combine(root, f)))
            .ToList();
        Assert.True(stale.Count == 0, "long-lines.txt names files that are gone (remove their rows): " + string.Join(", ", stale));
    }

    /// <summary>Per source file under src/ (repository-relative, '/' separated): its lines over the limit.</summary>
    private static IEnumerable<(string File, int Count)> LongLines(string root)
    {
        var src = Path.Combine(root, "src");
        foreach (var path in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (relative.EndsWith(".g.cs", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal)
                || relative.Contains("/bin/", StringComparison.Ordinal)) continue;
            var count = File.ReadLines(path).Count(l => l.Length > MaxLineLength);
            if (count > 0) yield return (relative, count);
        }
    }
}
