using System.Reflection;

namespace Kis.Realtime.Tests.PublicApi;

/// <summary>
/// What Microsoft.CodeAnalysis.PublicApiAnalyzers does not check. The analyzer (RS0016/RS0017 are build errors) keeps
/// each package's surface equal to its PublicAPI.Shipped.txt + PublicAPI.Unshipped.txt; these tests keep that surface in
/// the namespaces a user is told about, and the package graph as the docs describe it.
/// </summary>
public class PublicApiTests
{
    private static readonly string[] LibraryPackages =
    [
        "Kis.Realtime", "Kis.Realtime.Simulator", "Kis.Realtime.Extensions.Hosting", "Kis.Realtime.Gateway", "Kis.Realtime.Gateway.Hosting",
        "Kis.Realtime.Recording", "Kis.Realtime.PostgreSql", "Kis.Realtime.Gateway.PostgreSql",
    ];

    public static TheoryData<string> Packages() => [.. LibraryPackages];

    // What a user types is in Kis.Realtime; Protocol holds the TR catalog's definitions (advanced). A package's own
    // types are in the namespace of its id; the core's add-ons (hosting, recording) and the gateway's registrations join
    // the namespace of what they extend, so one using serves both. Transport, Session, Wire, Server… are internal.
    private static readonly Dictionary<string, string[]> Namespaces = new()
    {
        ["Kis.Realtime"] = ["Kis.Realtime", "Kis.Realtime.Protocol"],
        ["Kis.Realtime.Extensions.Hosting"] = ["Kis.Realtime"],
        ["Kis.Realtime.Recording"] = ["Kis.Realtime"],
        ["Kis.Realtime.Simulator"] = ["Kis.Realtime.Simulator"],
        ["Kis.Realtime.Gateway"] = ["Kis.Realtime.Gateway"],
        ["Kis.Realtime.Gateway.Hosting"] = ["Kis.Realtime.Gateway"],
        ["Kis.Realtime.PostgreSql"] = ["Kis.Realtime.PostgreSql"],
        // Failed before: the gateway's sink was in the history package's namespace, Kis.Realtime.PostgreSql.
        ["Kis.Realtime.Gateway.PostgreSql"] = ["Kis.Realtime.Gateway.PostgreSql"],
    };

    [Fact]
    public void Every_package_has_its_namespaces_stated()
        => Assert.Equal(LibraryPackages.Order(StringComparer.Ordinal), Namespaces.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Packages))]
    public void No_public_type_lives_outside_its_packages_namespaces(string assemblyName)
    {
        // The plumbing the sibling packages share is public in its own namespaces, marked experimental (KISRT0001).
        var misplaced = Assembly.Load(assemblyName).GetExportedTypes()
            .Where(t => !Namespaces[assemblyName].Contains(t.Namespace ?? "") && !IsPlumbing(t)).Select(t => t.FullName).Order(StringComparer.Ordinal).ToList();
        Assert.True(misplaced.Count == 0,
            $"{assemblyName} exports types outside {string.Join(", ", Namespaces[assemblyName])}:\n  {string.Join("\n  ", misplaced)}");
    }

    /// <summary>
    /// Issue 60: no shipped package sees another's internals; what they share is public, experimental (KISRT0001) and
    /// outside the namespaces a user is told about, or beside the TR definitions in the advanced Kis.Realtime.Protocol
    /// (the frame decoder, field readers, TrId). The namespace a user types (each package's first) holds none.
    /// </summary>
    [Theory]
    [MemberData(nameof(Packages))]
    public void Plumbing_is_experimental_and_outside_the_users_namespaces(string assemblyName)
    {
        var wrong = Assembly.Load(assemblyName).GetExportedTypes().Where(t => !t.IsNested)
            .Where(t => IsPlumbing(t) && t.Namespace == Namespaces[assemblyName][0])
            .Select(t => t.FullName).Order(StringComparer.Ordinal).ToList();
        Assert.True(wrong.Count == 0, $"{assemblyName}: experimental types in the namespace a user types:\n  {string.Join("\n  ", wrong)}");
    }

    private static bool IsPlumbing(Type type)
        => type.GetCustomAttribute<System.Diagnostics.CodeAnalysis.ExperimentalAttribute>() is { DiagnosticId: "KISRT0001" }
            || (type.DeclaringType is { } outer && IsPlumbing(outer));

    /// <summary>The analyzer reads these files: a package without them would have no declared surface to check.</summary>
    [Theory]
    [MemberData(nameof(Packages))]
    public void Every_package_declares_its_public_api(string assemblyName)
    {
        var project = Path.Combine(Packaging.ReadmeSamples.RepositoryRoot(), "src", assemblyName);
        var shipped = File.ReadAllLines(Path.Combine(project, "PublicAPI.Shipped.txt"));
        var unshipped = File.ReadAllLines(Path.Combine(project, "PublicAPI.Unshipped.txt"));
        Assert.Equal("#nullable enable", shipped[0]);
        Assert.Equal("#nullable enable", unshipped[0]);
        var declared = shipped.Concat(unshipped).Where(l => !l.Contains("->")).Select(l => l.Replace("[KISRT0001]", "", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var type in Assembly.Load(assemblyName).GetExportedTypes().Where(t => !t.IsNested))
        {
            var name = type.FullName!.Split('`')[0];
            Assert.True(declared.Contains(name) || declared.Any(l => l.StartsWith(name + "<", StringComparison.Ordinal)),
                $"{name} is not in {project}/PublicAPI.*.txt");
        }
    }

    /// <summary>Issue 31 (11): replaying the PostgreSQL history must not drag in the gateway and RabbitMQ.Client; the
    /// gateway's sink is its own package (Kis.Realtime.Gateway.PostgreSql).</summary>
    [Fact]
    public void The_history_package_depends_on_neither_the_gateway_nor_RabbitMQ()
    {
        var references = Assembly.Load("Kis.Realtime.PostgreSql").GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("Kis.Realtime.Gateway", references);
        Assert.DoesNotContain("RabbitMQ.Client", references);
        Assert.Contains("Kis.Realtime.Gateway", Assembly.Load("Kis.Realtime.Gateway.PostgreSql").GetReferencedAssemblies().Select(a => a.Name));
    }
}
