using System.Text.RegularExpressions;
using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Source;

/// <summary>
/// Issue #60, item 3: imports go one way everywhere in src/, per assembly (each folder under src/ is one project):
/// <list type="bullet">
/// <item>among its namespaces, the package's root namespace aside (its public types front the plumbing, and the plumbing
/// speaks their types: <c>Kis.Realtime</c> ⇄ <c>Kis.Realtime.Internal</c> is by design);</item>
/// <item>among its top-level folders that share a namespace (feature folders: <c>Bars/</c>, <c>Gaps/</c> and
/// <c>Markets/</c> are all <c>Kis.Realtime</c>, their <c>Internal/</c> folders all <c>Kis.Realtime.Internal</c>), the
/// package's root folder aside.</item>
/// </list>
/// Read from the source: a name that a type of another namespace or folder of the same assembly declares is a
/// dependency on it (resolved as the compiler does: own namespace, enclosing ones, then the usings, the project's global
/// ones included: a csproj's <c>&lt;Using Include&gt;</c> and a <c>global using</c> line apply to every file). A new
/// cycle fails here with the files that make it.
/// </summary>
public sealed partial class SourceCycleTests
{
    /// <summary>
    /// Cycles that exist and are being removed; each entry is the sorted members of one cycle, as the failure prints it,
    /// with a comment saying why it is still there. None is left: the last (the CLI's Dashboard ⇄ Dashboard.Panels,
    /// through ClientMeterFactory) went when the factory moved beside the panel that reads it.
    /// </summary>
    private static readonly HashSet<string> KnownCycles = [];

    [Fact]
    public void No_namespace_or_folder_cycle_in_src_beyond_the_known_ones()
    {
        var src = Path.Combine(ReadmeSamples.RepositoryRoot(), "src");
        var found = new List<(string Cycle, string Why)>();
        foreach (var project in Directory.EnumerateDirectories(src).Order(StringComparer.Ordinal))
            found.AddRange(Cycles(Path.GetFileName(project)!, ReadProject(project)));
        var unknown = found.Where(c => !KnownCycles.Contains(c.Cycle)).Select(c => $"{c.Cycle}\n{c.Why}").ToList();
        Assert.True(unknown.Count == 0, "cycles:\n" + string.Join("\n", unknown));
        // A known cycle that is gone leaves the list, so that it cannot come back unnoticed.
        var gone = KnownCycles.Where(k => found.All(c => c.Cycle != k)).ToList();
        Assert.True(gone.Count == 0, "known cycles no longer found (remove them from KnownCycles):\n" + string.Join("\n", gone));
    }

    [Fact]
    public void The_check_finds_a_namespace_cycle_and_a_folder_cycle_and_ignores_member_names()
    {
        SourceFile Source(string folder, string ns, string code) => new($"{folder}/x.cs", folder, ns, Strip(code), Usings(code), [.. Declared(Strip(code))]);
        SourceFile[] files =
        [
            Source("", "P", "namespace P;\npublic class Client { }"),
            Source("Auth", "P.Auth", "namespace P.Auth;\ninternal sealed class Keys { Internal.Http _h; }"),
            Source("Internal", "P.Internal", "using P.Session;\nnamespace P.Internal;\ninternal sealed class Http { Tap t; }"),
            Source("Session", "P.Session", "namespace P.Session;\ninternal sealed class Tap { P.Auth.Keys k; }"),
            Source("Bars", "P", "namespace P;\npublic enum Sessions { }\npublic sealed class Bar { Calendar c; }"),
            Source("Markets", "P", "namespace P;\npublic sealed class Calendar { Sessions s; }"),
            // A property named like a type (TimeOnly Bar, Bar = …) and member access (x.Bar) are no dependency.
            Source("Gaps", "P", "namespace P;\npublic sealed class Gap { TimeOnly Bar { get; init; } void F() { var g = new Gap { Bar = x.Bar }; } }"),
        ];
        Assert.Equal(["T: namespaces P.Auth, P.Internal, P.Session", "T: folders Bars, Markets (P)"], Cycles("T", files).Select(c => c.Cycle));
    }

    [Fact]
    public void A_global_using_resolves_names_in_every_file_of_the_project()
    {
        var globals = GlobalUsings(
            "<Project><ItemGroup><Using Include=\"P.B\" /><Using Include=\"System.Text\" Alias=\"T\" /></ItemGroup></Project>",
            ["global using P.A;\nnamespace P.C;\ninternal sealed class Gamma { }"]);
        Assert.Equal(["P.A", "P.B"], globals.Order(StringComparer.Ordinal));
        SourceFile Source(string folder, string ns, string code) =>
            new($"{folder}/x.cs", folder, ns, Strip(code), [.. Usings(code), .. globals], [.. Declared(Strip(code))]);
        SourceFile[] files =
        [
            Source("", "P", "namespace P;\npublic class Client { }"),
            // Neither file has a using of its own: each name resolves through a global one only.
            Source("A", "P.A", "namespace P.A;\ninternal sealed class Alpha { Beta b; }"),
            Source("B", "P.B", "namespace P.B;\ninternal sealed class Beta { Alpha a; }"),
        ];
        Assert.Equal(["T: namespaces P.A, P.B"], Cycles("T", files).Select(c => c.Cycle));
    }

    private sealed record SourceFile(string Path, string Folder, string Namespace, string Code, IReadOnlyList<string> Usings, IReadOnlyList<string> Types);

    private static List<SourceFile> ReadProject(string root)
    {
        var files = new List<SourceFile>();
        foreach (var path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal)) continue;
            var text = File.ReadAllText(path);
            if (NamespaceLine().Match(text) is not { Success: true } ns) continue; // top-level statements declare nothing
            var code = Strip(text);
            files.Add(new(relative, Path.GetDirectoryName(relative)?.Replace('\\', '/') ?? "", ns.Groups[1].Value, code, Usings(text), [.. Declared(code)]));
        }
        var csproj = Directory.EnumerateFiles(root, "*.csproj").Select(File.ReadAllText).FirstOrDefault() ?? "";
        var globals = GlobalUsings(csproj, files.Select(f => f.Code));
        return [.. files.Select(f => f with { Usings = [.. f.Usings, .. globals] })];
    }

    /// <summary>The namespaces every file of a project sees: the csproj's <c>&lt;Using Include="…" /&gt;</c> (not an alias
    /// nor a static one) and the <c>global using</c> lines of any of its files.</summary>
    private static List<string> GlobalUsings(string csproj, IEnumerable<string> sources) =>
        [.. ProjectUsing().Matches(csproj).Select(m => m.Groups[1].Value)
            .Concat(sources.SelectMany(code => GlobalUsingLine().Matches(code).Select(m => m.Groups[1].Value))).Distinct()];

    private static IEnumerable<(string Cycle, string Why)> Cycles(string project, IReadOnlyList<SourceFile> files)
    {
        var rootNamespace = files.Where(f => f.Folder.Length == 0).Select(f => f.Namespace).DefaultIfEmpty(files.Min(f => f.Namespace)!).MinBy(n => n.Length)!;
        var declaredIn = new Dictionary<string, List<SourceFile>>(StringComparer.Ordinal);
        var segments = new HashSet<string>(["Kis", "Realtime", "System", "global"], StringComparer.Ordinal);
        foreach (var file in files)
        {
            segments.UnionWith(file.Namespace.Split('.'));
            foreach (var type in file.Types) (declaredIn.TryGetValue(type, out var list) ? list : declaredIn[type] = []).Add(file);
        }
        static string Top(string folder) => folder.Split('/')[0];
        var namespacesOfFolder = files.GroupBy(f => Top(f.Folder)).ToDictionary(g => g.Key, g => g.Select(f => f.Namespace).ToHashSet(StringComparer.Ordinal));
        var namespaceEdges = new Graph();
        var folderEdges = new Graph();
        foreach (var file in files)
        {
            var parts = file.Namespace.Split('.');
            var lookup = Enumerable.Range(1, parts.Length).Select(n => string.Join('.', parts[..^(n - 1)])).Concat(file.Usings).ToList();
            foreach (var (name, qualifier) in Names(file.Code, segments))
            {
                if (file.Types.Contains(name) || !declaredIn.TryGetValue(name, out var candidates)) continue;
                var targets = qualifier.Length > 0
                    ? candidates.Where(c => c.Namespace == qualifier || c.Namespace.EndsWith("." + qualifier, StringComparison.Ordinal)).ToList()
                    : lookup.Select(n => candidates.Where(c => c.Namespace == n).ToList()).FirstOrDefault(l => l.Count > 0) ?? [];
                var targetNamespaces = targets.Select(t => t.Namespace).Distinct().ToList();
                if (targetNamespaces.Count != 1) continue; // not this assembly's, or ambiguous
                var target = targetNamespaces[0];
                if (target != file.Namespace && target != rootNamespace && file.Namespace != rootNamespace)
                    namespaceEdges.Add(file.Namespace, target, $"{file.Path} names {name}");
                // A partial type declared in this folder too is this folder's own.
                if (candidates.Any(c => Top(c.Folder) == Top(file.Folder))) continue;
                foreach (var folder in targets.Select(t => Top(t.Folder)).Distinct())
                    if (Top(file.Folder).Length > 0 && folder.Length > 0 && namespacesOfFolder[Top(file.Folder)].Overlaps(namespacesOfFolder[folder]))
                        folderEdges.Add(Top(file.Folder), folder, $"{file.Path} names {name}");
            }
        }
        foreach (var cycle in namespaceEdges.Cycles())
            yield return ($"{project}: namespaces {string.Join(", ", cycle)}", namespaceEdges.Explain(cycle));
        foreach (var cycle in folderEdges.Cycles())
        {
            var shared = cycle.Select(f => namespacesOfFolder[f])
                .Aggregate((a, b) => a.Intersect(b).ToHashSet(StringComparer.Ordinal)).Order(StringComparer.Ordinal);
            yield return ($"{project}: folders {string.Join(", ", cycle)} ({string.Join(", ", shared)})", folderEdges.Explain(cycle));
        }
    }

    private static readonly HashSet<string> Keywords = [.. ("new is as return in out ref static readonly const await typeof nameof sizeof default case "
        + "throw using yield else "
        + "params this base where class struct record interface public private internal protected sealed partial abstract virtual override async unsafe "
        + "extern volatile file required scoped var when and or not from select let on equals by into join group orderby get set init implicit explicit "
        + "operator event delegate enum namespace checked unchecked fixed stackalloc lock if while foreach for switch").Split(' ')];

    /// <summary>
    /// The type names a file uses: an identifier (or a dotted name whose leading parts are namespace segments) that is not
    /// a member access (after a dot), a member or variable being declared (after a type), or a member being assigned.
    /// </summary>
    private static IEnumerable<(string Name, string Qualifier)> Names(string code, HashSet<string> segments)
    {
        foreach (Match m in Identifier().Matches(code))
        {
            var before = code[Math.Max(0, m.Index - 40)..m.Index];
            if (PreviousWord().Match(before) is { Success: true } word && !Keywords.Contains(word.Groups[1].Value)) continue;
            if (AfterGenericOrArray().IsMatch(before)) continue;
            var parts = m.Groups[1].Value.Split('.');
            var i = 0;
            while (i < parts.Length - 1 && segments.Contains(parts[i])) i++;
            yield return (parts[i], string.Join('.', parts[..i]));
        }
    }

    private static string Strip(string text) => StringLiteral().Replace(Comment().Replace(text, " "), "\"\"");

    private static List<string> Usings(string text) => [.. UsingLine().Matches(text).Select(m => m.Groups[1].Value)];

    private static IEnumerable<string> Declared(string code) => TypeDeclaration().Matches(code).Select(m => m.Groups[1].Value);

    /// <summary>Directed edges with the first few reasons each; cycles are the strongly connected parts of two or more.</summary>
    private sealed class Graph
    {
        private readonly SortedDictionary<string, SortedSet<string>> _edges = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, string), List<string>> _why = [];

        public void Add(string from, string to, string why)
        {
            (_edges.TryGetValue(from, out var set) ? set : _edges[from] = new(StringComparer.Ordinal)).Add(to);
            var reasons = _why.TryGetValue((from, to), out var list) ? list : _why[(from, to)] = [];
            if (reasons.Count < 3 && !reasons.Contains(why)) reasons.Add(why);
        }

        public string Explain(IReadOnlyList<string> cycle) => string.Join("\n", cycle.SelectMany(a => cycle.Where(b => _why.ContainsKey((a, b)))
            .Select(b => $"  {a} -> {b}: {string.Join("; ", _why[(a, b)])}")));

        public IEnumerable<List<string>> Cycles()
        {
            // Tarjan's strongly connected components.
            var index = new Dictionary<string, int>();
            var low = new Dictionary<string, int>();
            var stack = new Stack<string>();
            var onStack = new HashSet<string>();
            var result = new List<List<string>>();
            void Visit(string v)
            {
                index[v] = low[v] = index.Count;
                stack.Push(v);
                onStack.Add(v);
                foreach (var w in _edges.TryGetValue(v, out var next) ? next : [])
                {
                    if (!index.TryGetValue(w, out var indexOfW))
                    {
                        Visit(w);
                        low[v] = Math.Min(low[v], low[w]);
                    }
                    else if (onStack.Contains(w)) low[v] = Math.Min(low[v], indexOfW);
                }
                if (low[v] != index[v]) return;
                var part = new List<string>();
                string x;
                do
                {
                    x = stack.Pop();
                    onStack.Remove(x);
                    part.Add(x);
                } while (x != v);
                if (part.Count > 1) result.Add([.. part.Order(StringComparer.Ordinal)]);
            }
            foreach (var v in _edges.Keys.ToList()) if (!index.ContainsKey(v)) Visit(v);
            return result.OrderBy(c => c[0], StringComparer.Ordinal);
        }
    }

    [GeneratedRegex(@"^namespace\s+([A-Za-z0-9_.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"^(?:global\s+)?using\s+(?!static\b)([A-Za-z0-9_.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"^\s*global\s+using\s+(?!static\b)([A-Za-z0-9_.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex GlobalUsingLine();

    [GeneratedRegex(@"<Using\s+Include=""([A-Za-z0-9_.]+)""\s*/>")]
    private static partial Regex ProjectUsing();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"@""(?:[^""]|"""")*""|""(?:\\.|[^""\\\n])*""|'(?:\\.|[^'\\])'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(
        @"^[ \t]*(?:(?:public|internal|private|protected|file|static|sealed|abstract|readonly|partial|ref|unsafe|new)\s+)*"
        + @"(?:class|struct|interface|enum|record(?:\s+(?:class|struct))?|delegate\s+[A-Za-z0-9_.<>,?\[\] ]+?)\s+([A-Za-z_]\w*)",
        RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"(?<![\w.@])((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)\b(?!\s*=[^=>])")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"(\w+)\s+$")]
    private static partial Regex PreviousWord();

    [GeneratedRegex(@"[>\]?]\s+$")]
    private static partial Regex AfterGenericOrArray();
}
