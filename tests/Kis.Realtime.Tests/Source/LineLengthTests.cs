using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Source;

/// <summary>
/// Issue 44, item 4 and issue 60, item 5: the line length of .editorconfig (160) holds for every hand-written C# file
/// under src/, tests/, bench/, samples/ and tools/. The baseline of older long lines (long-lines.txt) reached zero and
/// is gone: any line over 160 fails. Generated files (*.g.cs) are left out (their generator decides).
/// </summary>
public sealed class LineLengthTests
{
    private const int MaxLineLength = 160;

    [Fact]
    public void No_source_line_is_over_160_characters()
    {
        var over = LongLines(ReadmeSamples.RepositoryRoot())
            .Select(l => $"{l.File}:{l.Line}: {l.Length} characters (wrap it at {MaxLineLength})")
            .ToList();
        Assert.True(over.Count == 0, string.Join("\n", over));
    }

    /// <summary>The folders whose C# files the limit holds for.</summary>
    private static readonly string[] Folders = ["src", "tests", "bench", "samples", "tools"];

    /// <summary>Each line over the limit in a C# file under <see cref="Folders"/> (repository-relative, '/' separated).</summary>
    private static IEnumerable<(string File, int Line, int Length)> LongLines(string root)
    {
        var paths = Folders.Select(f => Path.Combine(root, f)).Where(Directory.Exists)
            .SelectMany(f => Directory.EnumerateFiles(f, "*.cs", SearchOption.AllDirectories));
        foreach (var path in paths)
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (relative.EndsWith(".g.cs", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal)
                || relative.Contains("/bin/", StringComparison.Ordinal)) continue;
            var number = 0;
            foreach (var line in File.ReadLines(path))
            {
                number++;
                if (line.Length > MaxLineLength) yield return (relative, number, line.Length);
            }
        }
    }
}
