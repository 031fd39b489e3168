using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// The packages ship together and share internals, so they are bound to each other's exact version (the pins are
/// checked on the packed nuspecs by <see cref="PackageConsumerTests"/>). Here: which package may reference and see
/// into which (a new edge is a decision, made in this table), and that every type and member one package uses in a
/// sibling exists in the sibling built with it (docs/development.md, "Packages and internals").
/// </summary>
public sealed class SiblingPackageTests
{
    private static readonly string Root = ReadmeSamples.RepositoryRoot();

    /// <summary>
    /// Each shipped project: the siblings it references, the shipped assemblies it lets see its internals, and the
    /// third-party packages and shared frameworks it references itself (a user of the package gets them all).
    /// </summary>
    private static readonly Dictionary<string, (string[] References, string[] InternalsTo, string[] Packages)> Allowed = new()
    {
        ["Kis.Realtime"] = ([], ["Kis.Realtime.Extensions.Hosting", "Kis.Realtime.Gateway", "Kis.Realtime.Recording", "Kis.Realtime.PostgreSql",
            "Kis.Realtime.Gateway.PostgreSql", "Kis.Realtime.Simulator", "kisrt"], ["Microsoft.Extensions.Logging.Abstractions"]),
        ["Kis.Realtime.Extensions.Hosting"] = (["Kis.Realtime"], [], ["Microsoft.Extensions.DependencyInjection.Abstractions",
            "Microsoft.Extensions.Options.ConfigurationExtensions", "Microsoft.Extensions.Configuration.Binder", "Microsoft.Extensions.Http",
            "Microsoft.Extensions.Hosting.Abstractions", "Microsoft.Extensions.Diagnostics.HealthChecks"]),
        ["Kis.Realtime.Recording"] = (["Kis.Realtime"], ["kisrt", "Kis.Realtime.PostgreSql", "Kis.Realtime.Gateway.PostgreSql"],
            ["Microsoft.Extensions.DependencyInjection.Abstractions"]),
        ["Kis.Realtime.Simulator"] = (["Kis.Realtime"], [], ["Microsoft.AspNetCore.App"]),
        ["Kis.Realtime.PostgreSql"] = (["Kis.Realtime", "Kis.Realtime.Recording"], ["kisrt", "Kis.Realtime.Gateway.PostgreSql"],
            ["Npgsql", "Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Hosting.Abstractions"]),
        // The gateway itself: RabbitMQ, logging and the core; no DI, hosting, health checks or Http (issue 44, item 2).
        ["Kis.Realtime.Gateway"] = (["Kis.Realtime"], ["Kis.Realtime.Gateway.PostgreSql"], ["RabbitMQ.Client", "Microsoft.Extensions.Logging.Abstractions"]),
        // Its DI, options, hosted services and health checks come with Kis.Realtime.Extensions.Hosting.
        ["Kis.Realtime.Gateway.Hosting"] = (["Kis.Realtime.Gateway", "Kis.Realtime.Extensions.Hosting"], [], ["Microsoft.Extensions.Configuration.Binder"]),
        ["Kis.Realtime.Gateway.PostgreSql"] = (["Kis.Realtime.PostgreSql", "Kis.Realtime.Gateway"], ["kisrt"],
            ["Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Hosting.Abstractions", "Microsoft.Extensions.Diagnostics.HealthChecks.Abstractions"]),
        ["Kis.Realtime.Cli"] = (["Kis.Realtime", "Kis.Realtime.Gateway", "Kis.Realtime.Simulator", "Kis.Realtime.Recording", "Kis.Realtime.PostgreSql",
            "Kis.Realtime.Gateway.PostgreSql"], [], ["System.CommandLine", "Spectre.Console", "OpenTelemetry.Exporter.OpenTelemetryProtocol", "Parquet.Net",
            "Microsoft.AspNetCore.App"]),
    };

    /// <summary>Assemblies of this repository that are not shipped (they may see every package's internals).</summary>
    private static readonly HashSet<string> NotShipped = ["Kis.Realtime.Tests", "Kis.Realtime.IntegrationTests", "Kis.Realtime.Benchmarks"];

    [Fact]
    public void Each_package_references_and_opens_its_internals_to_the_siblings_the_table_allows()
    {
        var projects = PackListTests.PackedIds();
        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), projects);
        foreach (var id in projects)
        {
            var csproj = File.ReadAllText(Path.Combine(Root, "src", id, id + ".csproj"));
            var references = Regex.Matches(csproj, @"<ProjectReference Include=""[^""]*[\\/](?<id>[\w.]+)\.csproj""").Select(m => m.Groups["id"].Value);
            var internalsTo = Regex.Matches(csproj, @"<InternalsVisibleTo Include=""(?<id>[\w.]+)""").Select(m => m.Groups["id"].Value)
                .Where(a => !NotShipped.Contains(a));
            var packages = Regex.Matches(csproj, @"<(Package|Framework)Reference Include=""(?<id>[\w.]+)""").Select(m => m.Groups["id"].Value);
            Assert.True(Allowed[id].References.Order().SequenceEqual(references.Order()), $"{id} references {string.Join(", ", references)}");
            Assert.True(Allowed[id].InternalsTo.Order().SequenceEqual(internalsTo.Order()), $"{id} opens its internals to {string.Join(", ", internalsTo)}");
            Assert.True(Allowed[id].Packages.Order().SequenceEqual(packages.Order()), $"{id} references the packages {string.Join(", ", packages)}");
        }
    }

    [Fact]
    public void Every_type_and_member_a_package_uses_in_a_sibling_exists_in_the_sibling_built_with_it()
    {
        var siblings = ShippedAssemblies();
        Assert.Equal(Allowed.Count, siblings.Count);
        foreach (var (name, path) in siblings)
        {
            var missing = SiblingAbi.Missing(path, siblings);
            Assert.True(missing.Count == 0, $"{name} uses what its siblings lack:\n{string.Join('\n', missing)}");
        }
    }

    [Fact]
    public void The_check_names_what_a_mismatched_sibling_lacks()
    {
        // A mismatched pair: the gateway built against this core, installed beside an assembly that is not that core
        // (the recording package posing as Kis.Realtime): each type and member the gateway uses from the core is named.
        var siblings = ShippedAssemblies();
        var mismatched = new Dictionary<string, string>(siblings) { ["Kis.Realtime"] = siblings["Kis.Realtime.Recording"] };

        var missing = SiblingAbi.Missing(siblings["Kis.Realtime.Gateway"], mismatched);

        Assert.Contains(missing, m => m.StartsWith("Kis.Realtime: type Kis.Realtime.KisRealtimeOptions", StringComparison.Ordinal));
        Assert.Contains(missing, m => m.StartsWith("Kis.Realtime: Kis.Realtime.", StringComparison.Ordinal) && m.Contains('(', StringComparison.Ordinal));
        Assert.Empty(SiblingAbi.Missing(siblings["Kis.Realtime.Gateway"], siblings));
    }

    /// <summary>The shipped assemblies as this test project's build copied them (simple name → file).</summary>
    private static Dictionary<string, string> ShippedAssemblies()
    {
        var names = Allowed.Keys.Select(id => id == "Kis.Realtime.Cli" ? "kisrt" : id);
        return names.ToDictionary(n => n, n => Path.Combine(AppContext.BaseDirectory, n + ".dll"), StringComparer.Ordinal);
    }
}
