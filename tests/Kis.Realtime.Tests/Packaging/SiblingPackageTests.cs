using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// Which package may reference which (a new edge is a decision, made in this table), and that no shipped package sees
/// another's internals: siblings share plumbing through public types marked <c>[Experimental("KISRT0001")]</c>
/// (docs/development.md, "Packages and plumbing"). Whether a change breaks what a package exposed is checked against the
/// last packed version by <see cref="PackageValidationTests"/>.
/// </summary>
public sealed class SiblingPackageTests
{
    private static readonly string Root = ReadmeSamples.RepositoryRoot();

    /// <summary>
    /// Each shipped project: the siblings it references, the shipped assemblies it lets see its internals (none), and the
    /// third-party packages and shared frameworks it references itself (a user of the package gets them all).
    /// </summary>
    private static readonly Dictionary<string, (string[] References, string[] InternalsTo, string[] Packages)> Allowed = new()
    {
        ["Kis.Realtime"] = ([], [], ["Microsoft.Extensions.Logging.Abstractions"]),
        ["Kis.Realtime.Extensions.Hosting"] = (["Kis.Realtime"], [], ["Microsoft.Extensions.DependencyInjection.Abstractions",
            "Microsoft.Extensions.Options.ConfigurationExtensions", "Microsoft.Extensions.Configuration.Binder", "Microsoft.Extensions.Http",
            "Microsoft.Extensions.Hosting.Abstractions", "Microsoft.Extensions.Diagnostics.HealthChecks"]),
        ["Kis.Realtime.Recording"] = (["Kis.Realtime"], [], ["Microsoft.Extensions.DependencyInjection.Abstractions"]),
        ["Kis.Realtime.Simulator"] = (["Kis.Realtime"], [], ["Microsoft.AspNetCore.App"]),
        ["Kis.Realtime.PostgreSql"] = (["Kis.Realtime", "Kis.Realtime.Recording"], [],
            ["Npgsql", "Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Hosting.Abstractions"]),
        // The gateway itself: RabbitMQ, logging and the core; no DI, hosting, health checks or Http (issue 44, item 2).
        ["Kis.Realtime.Gateway"] = (["Kis.Realtime"], [], ["RabbitMQ.Client", "Microsoft.Extensions.Logging.Abstractions"]),
        // Its DI, options, hosted services and health checks come with Kis.Realtime.Extensions.Hosting.
        ["Kis.Realtime.Gateway.Hosting"] = (["Kis.Realtime.Gateway", "Kis.Realtime.Extensions.Hosting"], [], ["Microsoft.Extensions.Configuration.Binder"]),
        ["Kis.Realtime.Gateway.PostgreSql"] = (["Kis.Realtime.PostgreSql", "Kis.Realtime.Gateway"], [],
            ["Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Hosting.Abstractions",
                "Microsoft.Extensions.Diagnostics.HealthChecks.Abstractions"]),
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
}
