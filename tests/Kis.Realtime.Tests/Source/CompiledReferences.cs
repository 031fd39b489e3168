using System.Collections.Concurrent;
using System.Xml.Linq;
using Kis.Realtime.Tests.Packaging;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kis.Realtime.Tests.Source;

/// <summary>One use, in a file of a project, of a type that the same project declares in another file.</summary>
/// <param name="File">The using file, relative to the project's folder (<c>Market/Instrument.cs</c>).</param>
/// <param name="Line">Its 1-based line.</param>
/// <param name="Namespace">The namespace the use is in.</param>
/// <param name="Name">The name as written (<c>RecordSkips</c>, <c>Flush</c>: a member resolves to its type).</param>
/// <param name="Type">The type used, in full.</param>
/// <param name="TypeNamespace">Its namespace.</param>
/// <param name="TypeFiles">The files that declare it (several for a partial type).</param>
internal sealed record SourceReference(string File, int Line, string Namespace, string Name, string Type, string TypeNamespace, IReadOnlyList<string> TypeFiles)
{
    public override string ToString() => $"{File}:{Line} {Name} ({Type})";
}

/// <summary>
/// A project under src/ compiled from its source with Roslyn, every name in it resolved by the compiler's semantic model
/// (an identifier, a member access, a type in a generic argument, an attribute, a target-typed <c>new()</c>, an
/// extension method): what no reading of the text can see (<c>market.Tape.Flush()</c> names no type) is a use of
/// <c>Flush</c>'s type here. References: the test host's trusted platform assemblies (the runtime, ASP.NET Core, every
/// package the tests load, the sibling projects' builds), minus the project's own build, which its source replaces.
/// Source generators do not run: what only they declare (a JSON context's <c>Default</c>) resolves to nothing, which
/// <see cref="Unresolved"/> counts so that a broken compilation (a missing reference) cannot pass unseen.
/// </summary>
internal sealed class CompiledProject
{
    private static readonly ConcurrentDictionary<string, Lazy<CompiledProject>> Cache = new(StringComparer.Ordinal);

    // What <ImplicitUsings>enable</ImplicitUsings> adds to a Microsoft.NET.Sdk project (Directory.Build.props sets it).
    private static readonly string[] ImplicitUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private CompiledProject(string name, IReadOnlyList<SourceReference> references, IReadOnlyList<string> unresolved, int files)
    {
        Name = name;
        References = references;
        Unresolved = unresolved;
        Files = files;
    }

    /// <summary>The project's folder name under src/ (<c>Kis.Realtime.Simulator</c>).</summary>
    public string Name { get; }

    /// <summary>Every use of one of its own types from another file, in file and line order.</summary>
    public IReadOnlyList<SourceReference> References { get; }

    /// <summary>Compiler errors other than what the missing source generators explain (expected: none).</summary>
    public IReadOnlyList<string> Unresolved { get; }

    /// <summary>How many C# files were compiled.</summary>
    public int Files { get; }

    /// <summary>The projects under src/, by folder name.</summary>
    public static IReadOnlyList<string> ProjectNames() =>
        [.. Directory.EnumerateDirectories(Path.Combine(ReadmeSamples.RepositoryRoot(), "src"))
            .Where(d => Directory.EnumerateFiles(d, "*.csproj").Any()).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];

    /// <summary>The project in src/<paramref name="name"/>, compiled once per test run.</summary>
    public static CompiledProject Load(string name) =>
        Cache.GetOrAdd(name, n => new(() => Compile(Path.Combine(ReadmeSamples.RepositoryRoot(), "src", n)))).Value;

    /// <summary>Compiles source given as (relative path, text): what the checks' own tests use.</summary>
    public static CompiledProject Compile(string name, IEnumerable<(string Path, string Text)> files, bool exe = false) =>
        Build(name, [.. files.Select(f => CSharpSyntaxTree.ParseText(f.Text, Parse, f.Path))], [], exe, name);

    // Preview: this Roslyn (4.14) has C# 14's field keyword, which the SDK's compiler builds as latest, as a preview feature.
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Preview);

    private static CompiledProject Compile(string folder)
    {
        var csproj = XDocument.Load(Directory.EnumerateFiles(folder, "*.csproj").Single());
        var usings = csproj.Descendants("Using")
            .Where(u => u.Attribute("Alias") is null && u.Attribute("Static") is null).Select(u => (string)u.Attribute("Include")!);
        var exe = csproj.Descendants("OutputType").Any(o => o.Value == "Exe");
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Select(path => (Path: Path.GetRelativePath(folder, path).Replace('\\', '/'), Full: path))
            .Where(f => !f.Path.StartsWith("obj/", StringComparison.Ordinal) && !f.Path.StartsWith("bin/", StringComparison.Ordinal))
            // A file linked from elsewhere (<Compile Include="..\x.cs" Link="Commands\x.cs" />) is compiled at its link.
            .Concat(csproj.Descendants("Compile").Where(c => c.Attribute("Link") is not null).Select(c =>
                (Path: ((string)c.Attribute("Link")!).Replace('\\', '/'),
                 Full: Path.GetFullPath(Path.Combine(folder, ((string)c.Attribute("Include")!).Replace('\\', '/'))))))
            .OrderBy(f => f.Path, StringComparer.Ordinal);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f.Full), Parse, f.Path)).ToList();
        var name = Path.GetFileName(folder)!;
        var assembly = csproj.Descendants("AssemblyName").Select(a => a.Value).FirstOrDefault() ?? name;
        return Build(name, trees, [.. ImplicitUsings.Concat(usings)], exe, assembly);
    }

    private static CompiledProject Build(string name, List<SyntaxTree> trees, IReadOnlyList<string> globalUsings, bool exe, string assembly)
    {
        var globals = string.Concat(globalUsings.Distinct().Select(u => $"global using {u};\n"));
        var all = trees.Append(CSharpSyntaxTree.ParseText(globals, Parse, "(global usings)")).ToList();
        var compilation = CSharpCompilation.Create(assembly, all, PlatformReferences(assembly),
            new CSharpCompilationOptions(exe ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true,
                specificDiagnosticOptions: [new("KISRT0001", ReportDiagnostic.Suppress)]));
        // Only a name the project declares can resolve to one of its types or members: the rest is not asked about.
        var declared = trees.SelectMany(t => t.GetRoot().DescendantNodes()).SelectMany(DeclaredNames).ToHashSet(StringComparer.Ordinal);
        var references = new ConcurrentBag<SourceReference>();
        var unresolved = new ConcurrentBag<string>();
        Parallel.ForEach(trees, tree => Collect(compilation, tree, declared, references, unresolved));
        // A signature's unresolved type (a missing reference) is a declaration error; a body's shows as an unresolved name.
        foreach (var error in compilation.GetDeclarationDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && !GeneratorGaps.Contains(d.Id)))
            unresolved.Add(error.ToString());
        var ordered = references.OrderBy(r => r.File, StringComparer.Ordinal).ThenBy(r => r.Line).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        return new(name, ordered, [.. unresolved.Order(StringComparer.Ordinal)], trees.Count);
    }

    private static IEnumerable<string> DeclaredNames(SyntaxNode node) => node switch
    {
        BaseTypeDeclarationSyntax type => [type.Identifier.ValueText],
        DelegateDeclarationSyntax d => [d.Identifier.ValueText],
        MethodDeclarationSyntax m => [m.Identifier.ValueText],
        PropertyDeclarationSyntax p => [p.Identifier.ValueText],
        EventDeclarationSyntax e => [e.Identifier.ValueText],
        EnumMemberDeclarationSyntax e => [e.Identifier.ValueText],
        BaseFieldDeclarationSyntax f => f.Declaration.Variables.Select(v => v.Identifier.ValueText),
        ParameterSyntax { Parent.Parent: TypeDeclarationSyntax } p => [p.Identifier.ValueText], // a record's positional property
        _ => [],
    };

    // What source generators would have written: a partial method's body ([GeneratedRegex], [LoggerMessage]: CS8795),
    // a JSON context's members, constructor and base (CS0117, CS1061, CS0534, CS7036, CS1729), an options validator's (CS0535).
    private static readonly HashSet<string> GeneratorGaps = ["CS8795", "CS0117", "CS1061", "CS0534", "CS7036", "CS0535", "CS1729"];

    private static IReadOnlyList<MetadataReference> PlatformReferences(string own)
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.Length > 0 && !Path.GetFileNameWithoutExtension(p).Equals(own, StringComparison.OrdinalIgnoreCase));
        return [.. paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    private static void Collect(CSharpCompilation compilation, SyntaxTree tree, HashSet<string> declared,
        ConcurrentBag<SourceReference> into, ConcurrentBag<string> unresolved)
    {
        var model = compilation.GetSemanticModel(tree);
        foreach (var node in tree.GetRoot().DescendantNodes())
        {
            if (node is SimpleNameSyntax simple ? !declared.Contains(simple.Identifier.ValueText) : node is not ImplicitObjectCreationExpressionSyntax)
                continue;
            if (node.Parent is UsingDirectiveSyntax or QualifiedNameSyntax { Parent: UsingDirectiveSyntax } || node.Parent is NameColonSyntax)
                continue;
            var info = model.GetSymbolInfo(node);
            var symbol = info.Symbol ?? (info.CandidateSymbols.Length > 0 ? info.CandidateSymbols[0] : null);
            if (symbol is null)
            {
                if (node is SimpleNameSyntax && !IsDeclarationOrMemberOfUnknown(model, node))
                    unresolved.Add($"{tree.FilePath}({node.GetLocation().GetLineSpan().StartLinePosition.Line + 1}): {node} resolves to nothing");
                continue;
            }
            if (TypeOf(symbol) is not { } type || !SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation.Assembly)) continue;
            var files = type.DeclaringSyntaxReferences.Select(r => r.SyntaxTree.FilePath).Distinct().ToList();
            if (files.Contains(tree.FilePath) || files.Count == 0) continue;
            var at = node.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault() is { } ns
                ? model.GetDeclaredSymbol(ns)?.ToDisplayString() ?? "" : "";
            into.Add(new(tree.FilePath, node.GetLocation().GetLineSpan().StartLinePosition.Line + 1, at,
                node is SimpleNameSyntax name ? name.Identifier.ValueText : "new()", type.ToDisplayString(), NamespaceOf(type), files));
        }
    }

    /// <summary>
    /// A name that binds to nothing and is fine: a member of something (only a source generator declares a JSON
    /// context's <c>Default.X</c>; a missing reference shows at the name on the left), an anonymous type's or an
    /// initializer's member name.
    /// </summary>
    private static bool IsDeclarationOrMemberOfUnknown(SemanticModel model, SyntaxNode node) => node.Parent switch
    {
        MemberAccessExpressionSyntax access when access.Name == node => true,
        MemberBindingExpressionSyntax => true, // x?.Name
        NameEqualsSyntax or AnonymousObjectMemberDeclaratorSyntax => true,
        AssignmentExpressionSyntax { Parent: InitializerExpressionSyntax } => true,
        _ => model.GetSymbolInfo(node).CandidateReason != CandidateReason.None,
    };

    /// <summary>The type a resolved symbol belongs to: itself, or the type that declares the member.</summary>
    private static INamedTypeSymbol? TypeOf(ISymbol? symbol) => symbol switch
    {
        INamedTypeSymbol named => named.OriginalDefinition,
        IMethodSymbol { ReducedFrom: { } extension } => extension.ContainingType?.OriginalDefinition,
        IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol => symbol.ContainingType?.OriginalDefinition,
        _ => null, // a namespace, local, parameter, label, type parameter: no type of the project
    };

    private static string NamespaceOf(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "";
}
