using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// Every C# sample in the README, docs/ and the packages' READMEs compiles as written, as the Program.cs of a console project with the SDK's implicit
/// usings, against the library, hosting and simulator assemblies. (The packed-package check is
/// PackageConsumerTests.)
/// </summary>
public class ReadmeSampleTests
{
    // What `<ImplicitUsings>enable</ImplicitUsings>` adds to a Microsoft.NET.Sdk project.
    internal const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    public static TheoryData<string> Names() => [.. ReadmeSamples.Load().Keys.Order(StringComparer.Ordinal)];

    /// <summary>No C# block escapes the compile test: each is a named sample (issue #31: samples compile as written).</summary>
    [Fact]
    public void Every_csharp_block_of_the_documentation_is_a_compiled_sample()
    {
        var root = ReadmeSamples.RepositoryRoot();
        var blocks = ReadmeSamples.Pages(root)
            .Sum(page => System.Text.RegularExpressions.Regex.Count(File.ReadAllText(page), "^```csharp",
                System.Text.RegularExpressions.RegexOptions.Multiline));
        Assert.Equal(blocks, ReadmeSamples.Load().Count);
        Assert.Contains("console", ReadmeSamples.Load().Keys);
    }

    /// <summary>What a user types lives in <c>Kis.Realtime</c>: no sample needs another namespace of the core library.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Samples_need_no_namespace_of_the_library_but_kis_realtime(string name)
        => Assert.DoesNotMatch(@"using Kis\.Realtime\.(?!Gateway|Simulator|Recording|PostgreSql|Extensions|Samples)", ReadmeSamples.Load()[name]);

    [Theory]
    [MemberData(nameof(Names))]
    public void Readme_sample_compiles_as_written(string name)
    {
        var code = ReadmeSamples.Load()[name];
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        // The strategy samples' MeanReversionStrategy (samples/, linked into kisrt) comes with kisrt's assembly.
        var compilation = CSharpCompilation.Create("ReadmeSample_" + name,
            [CSharpSyntaxTree.ParseText(code, options, "Program.cs"), CSharpSyntaxTree.ParseText(ImplicitUsings, options, "GlobalUsings.cs")],
            References(),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        using var output = new MemoryStream();
        var result = compilation.Emit(output);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(result.Success, $"README sample '{name}' does not compile:\n{string.Join("\n", errors)}");
        var warnings = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(warnings.Count == 0, $"README sample '{name}' has warnings:\n{string.Join("\n", warnings)}");
    }

    internal static List<MetadataReference> References()
    {
        // The runtime's and ASP.NET Core's assemblies (the test host runs on both), plus ours.
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToHashSet(StringComparer.Ordinal);
        foreach (var assembly in new[] { typeof(KisRealtimeClient).Assembly, typeof(KisRealtimeServiceCollectionExtensions).Assembly,
            typeof(Kis.Realtime.Simulator.KisSimulator).Assembly, typeof(Kis.Realtime.Gateway.KisGatewayClient).Assembly,
                     typeof(Kis.Realtime.Gateway.KisGatewayService).Assembly, typeof(KisRecordingFolder).Assembly,
                     typeof(Kis.Realtime.PostgreSql.KisPostgresHistory).Assembly, typeof(Kis.Realtime.Gateway.PostgreSql.KisPostgresStreamWriter).Assembly })
            paths.Add(assembly.Location);
        return paths.Where(p => !string.IsNullOrEmpty(p) && IsManaged(p)).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    private static bool IsManaged(string path)
    {
        try
        {
            AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
