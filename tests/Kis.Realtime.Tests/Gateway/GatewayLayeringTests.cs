using Kis.Realtime.Tests.Source;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 44 item 2, issue 75 item 4: the gateway package's folders say who uses a type. Server/ (the gateway) and
/// Client/ (its consumer) never name each other's types; Wire/ (the message format both speak) names neither; what both
/// use and a user types (<c>KisGatewayEndpoint</c>, <c>GatewayStatus</c>) is at the package root and names neither.
/// All share the namespace <c>Kis.Realtime.Gateway</c>, so the check reads where each used type is declared, as the
/// compiler resolves it (<see cref="CompiledProject"/>: members and expression bodies too). Failed first when
/// <c>KisGatewayEndpoint</c>, <c>GatewayStatus</c>, <c>GatewaySinkStatus</c> and <c>PreviousRun</c> sat in Server/.
/// </summary>
public sealed class GatewayLayeringTests
{
    private static readonly Dictionary<string, string[]> Forbidden = new(StringComparer.Ordinal)
    {
        ["Server"] = ["Client"],
        ["Client"] = ["Server"],
        ["Wire"] = ["Server", "Client"],
        [""] = ["Server", "Client"], // the root and its Internal/
    };

    [Fact]
    public void Server_and_client_name_each_others_types_never_and_the_wire_names_neither()
    {
        var project = CompiledProject.Load("Kis.Realtime.Gateway");
        Assert.Empty(project.References.Select(r => SourceCycleTests.FolderOf(r.File)).Distinct().Except(Forbidden.Keys));
        var violations = project.References
            .SelectMany(use => use.TypeFiles.Select(SourceCycleTests.FolderOf).Distinct()
                .Where(home => Forbidden[SourceCycleTests.FolderOf(use.File)].Contains(home))
                .Select(home => $"{use} of {home}/"))
            .Distinct().ToList();
        Assert.True(violations.Count == 0, "move each to the package root or Wire/:\n  " + string.Join("\n  ", violations));
    }
}
