using System.Text.RegularExpressions;
using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Source;

/// <summary>
/// Issue 44, item 5: the folder says whether a type is public API (docs/development.md, "Folders and namespaces").
/// In each package a folder is one of:
/// <list type="bullet">
/// <item>a <b>feature folder</b> (listed below): it groups files and adds nothing to the namespace, so what users type
/// stays in the package's namespace (<c>Kis.Realtime.StockTrade</c>, not <c>Kis.Realtime.Trs.StockTrade</c>); every
/// type declared in it is public API;</item>
/// <item><c>Internal/</c>: a feature's plumbing; nothing in it is public but what the sibling packages share, marked
/// <c>[Experimental("KISRT0001")]</c>;</item>
/// <item>any other folder: a namespace of its own (<c>Session/</c> is <c>Kis.Realtime.Session</c>).</item>
/// </list>
/// A file's namespace is its package's namespace plus the folders on its path that are not feature folders.
/// The command-line tool is an application (nothing in it is public API): only the namespace rule applies there.
/// </summary>
public sealed partial class FolderLayoutTests
{
    private sealed record Package(string Folder, string Namespace, bool Library, params string[] FeatureFolders);

    private static readonly Package[] Packages =
    [
        new("Kis.Realtime", "Kis.Realtime", true, "", "Bars", "Gaps", "Instruments", "Markets", "Orders", "Replay", "Rest", "Trs",
            "Trs/Catalog", "Trs/Views"),
        new("Kis.Realtime.Recording", "Kis.Realtime", true, ""),
        new("Kis.Realtime.Extensions.Hosting", "Kis.Realtime", true, ""),
        new("Kis.Realtime.PostgreSql", "Kis.Realtime.PostgreSql", true, ""),
        new("Kis.Realtime.Gateway", "Kis.Realtime.Gateway", true, "", "Client", "Server"),
        new("Kis.Realtime.Gateway.Hosting", "Kis.Realtime.Gateway", true, ""),
        new("Kis.Realtime.Gateway.PostgreSql", "Kis.Realtime.Gateway.PostgreSql", true, ""),
        new("Kis.Realtime.Simulator", "Kis.Realtime.Simulator", true, "", "Faults"),
        new("Kis.Realtime.Cli", "Kis.Realtime.Cli", false),
    ];

    [Fact]
    public void Every_package_under_src_has_its_layout_rule()
    {
        var src = Path.Combine(ReadmeSamples.RepositoryRoot(), "src");
        var folders = Directory.EnumerateDirectories(src).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Packages.Select(p => p.Folder).Order(StringComparer.Ordinal), folders);
    }

    [Fact]
    public void A_file_is_in_its_folders_namespace()
    {
        var wrong = new List<string>();
        foreach (var package in Packages)
            foreach (var file in SourceFiles(package))
                if (file.Namespace != ExpectedNamespace(package, file.Folder))
                    wrong.Add($"{file.Path}: namespace {file.Namespace}, its folder says {ExpectedNamespace(package, file.Folder)}");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void Feature_folders_hold_public_api_and_Internal_folders_none()
    {
        var wrong = new List<string>();
        foreach (var package in Packages.Where(p => p.Library))
        {
            var files = SourceFiles(package).ToList();
            // A partial type is public (or plumbing) if any of its parts says so.
            var publicTypes = files.SelectMany(f => f.Types).Where(t => t.Public).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            var plumbingTypes = files.SelectMany(f => f.Types).Where(t => t.Plumbing).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var inInternal = file.Folder.Split('/').Contains("Internal");
                var inFeature = !inInternal && package.FeatureFolders.Contains(file.Folder);
                foreach (var type in file.Types)
                {
                    var isPublic = publicTypes.Contains(type.Name);
                    if (inFeature && !isPublic)
                        wrong.Add($"{file.Path}: {type.Name} is not public; move it to {Path.Combine(file.Folder, "Internal")}/");
                    else if (inInternal && isPublic && !plumbingTypes.Contains(type.Name))
                        wrong.Add($"{file.Path}: {type.Name} is public API in an Internal folder (only [Experimental(\"KISRT0001\")] plumbing may be)");
                }
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void The_rule_reads_declarations_as_the_compiler_does()
    {
        // Guards the parser the rules above stand on: a declaration it misses would pass any rule.
        var types = Declarations(
            "[InlineArray(5)]\npublic struct Levels\n{\n    internal sealed class Nested { }\n}\ninternal static partial class Log\n"
            + "public readonly record struct Trade(int X);\nsealed partial class Part;\nfile sealed class Local<T, U> { }\n"
            + "public delegate void Handler(int x);\ninternal enum Kind : byte\n").ToList();
        Assert.Equal(
            ["Levels public", "Log internal", "Trade public", "Part internal", "Local`2 internal", "Handler public", "Kind internal"],
            types.Select(t => $"{t.Name} {(t.Public ? "public" : "internal")}"));
    }

    private static string ExpectedNamespace(Package package, string folder)
    {
        var parts = new List<string> { package.Namespace };
        var path = "";
        foreach (var segment in folder.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path = path.Length == 0 ? segment : path + "/" + segment;
            if (!package.FeatureFolders.Contains(path)) parts.Add(segment);
        }
        return string.Join('.', parts);
    }

    private sealed record SourceFile(string Path, string Folder, string? Namespace, IReadOnlyList<Declared> Types);

    /// <summary>A top-level type; <paramref name="Plumbing"/>: marked [Experimental("KISRT0001")], shared with the sibling packages.</summary>
    private sealed record Declared(string Name, bool Public, bool Plumbing = false);

    private static IEnumerable<SourceFile> SourceFiles(Package package)
    {
        var root = Path.Combine(ReadmeSamples.RepositoryRoot(), "src", package.Folder);
        foreach (var path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal)) continue;
            var text = File.ReadAllText(path);
            var folder = Path.GetDirectoryName(relative)?.Replace('\\', '/') ?? "";
            // Top-level statements (the CLI's Program.cs) have no namespace and declare nothing.
            var ns = NamespaceLine().Match(text) is { Success: true } m ? m.Groups[1].Value : null;
            if (ns is null && package.Library)
                throw new InvalidOperationException($"{package.Folder}/{relative}: no file-scoped namespace");
            if (ns is null) continue;
            yield return new SourceFile($"src/{package.Folder}/{relative}", folder, ns, [.. Declarations(text)]);
        }
    }

    /// <summary>
    /// The top-level types a file declares. Files use file-scoped namespaces, so a top-level declaration starts its
    /// line and a nested one is indented.
    /// </summary>
    private static IEnumerable<Declared> Declarations(string text)
    {
        foreach (Match m in TypeDeclaration().Matches(text))
        {
            var name = m.Groups["name"].Value;
            if (m.Groups["generic"].Success) name += "`" + (m.Groups["generic"].Value.Count(c => c == ',') + 1);
            var before = text[..m.Index].TrimEnd();
            var plumbing = before.EndsWith("[Experimental(\"KISRT0001\")]", StringComparison.Ordinal);
            yield return new Declared(name, m.Groups["mods"].Value.Contains("public", StringComparison.Ordinal), plumbing);
        }
    }

    [GeneratedRegex(@"^namespace\s+([A-Za-z0-9_.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(
        @"^(?<mods>(?:(?:public|internal|file|static|sealed|abstract|readonly|partial|ref|unsafe|new)\s+)*)"
        + @"(?:(?:class|struct|interface|enum|record(?:\s+(?:class|struct))?)|delegate\s+[A-Za-z0-9_.<>,?\[\] ]+?)\s+"
        + @"(?<name>[A-Za-z_][A-Za-z0-9_]*)(?<generic><[^>]*>)?",
        RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();
}
