using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 44, item 2: the gateway package's folders say who uses a type. Server/ (the gateway) and Client/ (its consumer)
/// never name each other's types; Wire/ (the message format both speak) names neither; what both use and a user types
/// (<c>KisGatewayEndpoint</c>, <c>GatewayStatus</c>) is at the package root and names neither. All share the namespace
/// <c>Kis.Realtime.Gateway</c>, so the check reads the declarations: failed before, when <c>KisGatewayEndpoint</c>,
/// <c>GatewayStatus</c>, <c>GatewaySinkStatus</c> and <c>PreviousRun</c> sat in Server/ though Client/ and Wire/ use them.
/// </summary>
public sealed partial class GatewayLayeringTests
{
    private static readonly Dictionary<string, string[]> Forbidden = new()
    {
        ["Server"] = ["Client"],
        ["Client"] = ["Server"],
        ["Wire"] = ["Server", "Client"],
        ["."] = ["Server", "Client"],
    };

    [Fact]
    public void Server_and_client_name_each_others_types_never_and_the_wire_names_neither()
    {
        var root = Path.Combine(Packaging.ReadmeSamples.RepositoryRoot(), "src", "Kis.Realtime.Gateway");
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Folder: FolderOf(root, f), Path: f, Code: Code(File.ReadAllText(f)))).ToList();
        var declaredIn = files.SelectMany(f => Declared(f.Code).Select(type => (type, f.Folder)))
            .GroupBy(d => d.type).ToDictionary(g => g.Key, g => g.Select(d => d.Folder).Distinct().Single());

        var violations = new List<string>();
        foreach (var file in files)
            foreach (var type in Names(file.Code))
                if (declaredIn.TryGetValue(type, out var home) && Forbidden[file.Folder].Contains(home))
                    violations.Add($"{Path.GetRelativePath(root, file.Path)} names {type} of {home}/");
        Assert.True(violations.Count == 0, "move each to the package root or Wire/:\n  " + string.Join("\n  ", violations.Distinct()));
    }

    [Fact]
    public void The_check_reads_declarations_and_names_but_not_comments_or_strings()
    {
        Assert.Equal(["GatewayStatus", "GatewaySessionStatus"],
            Declared(Code("/// a record of it\npublic sealed record GatewayStatus\n{\n}\npublic sealed record GatewaySessionStatus(int Index);")));
        Assert.Equal(["KisGatewayEndpoint"], Names(Code("// PreviousRun\nvar e = KisGatewayEndpoint.Default; Log(\"PreviousRun {x}\");"))
            .Where(n => n.StartsWith("Kis", StringComparison.Ordinal) || n.StartsWith("Previous", StringComparison.Ordinal)));
    }

    private static string FolderOf(string root, string file)
    {
        var relative = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
        return relative.Length == 1 ? "." : relative[0];
    }

    /// <summary>The source without comments and string literals (a word in a message or a doc names no type).</summary>
    private static string Code(string source) => StringLiteral().Replace(Comment().Replace(source, ""), "\"\"");

    /// <summary>The top-level types a file declares (at the line's start: file-scoped namespaces); nested ones are private.</summary>
    private static IEnumerable<string> Declared(string code) => Declaration().Matches(code).Select(m => m.Groups["name"].Value);

    private static IEnumerable<string> Names(string code) => Identifier().Matches(code).Select(m => m.Value).Distinct();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"\$?@?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"^(?:(?:public|internal|private|file|sealed|static|abstract|readonly|partial)\s+)*"
        + @"(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?)\s+(?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();
}
