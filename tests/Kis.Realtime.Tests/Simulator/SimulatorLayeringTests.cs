using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 44, item 3: the simulator's layers import one way, market → tape → venue → notices → sessions (the data flows
/// that way; each folder may name only the layers before it; hosting, which creates the sessions, comes after them).
/// Read from the source, as the package-graph test reads projects: a new back-reference (a market type naming the venue,
/// the tape naming the market, a session naming the hosting layer) fails here.
/// </summary>
public sealed partial class SimulatorLayeringTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        // KRX's rule table (tick bands, limits, multipliers) is under everything: the market generates on it, venues check it.
        ["Rules"] = [],
        ["Tape"] = [],
        ["Market"] = ["Rules", "Tape"],
        ["Trading"] = ["Rules", "Market", "Tape"],
        ["Notices"] = ["Rules", "Market", "Trading", "Tape"],
        // Sessions serve what the layers before them make; hosting creates them and implements their ISessionHost.
        ["WebSockets"] = ["Rules", "Market", "Trading", "Notices", "Tape"],
        // Hosting wires the layers and sessions together; a replay and a backtest drive them from outside (issue #60 item 3).
        ["Hosting"] = ["Rules", "Market", "Trading", "Notices", "Tape", "WebSockets"],
        ["Replay"] = ["Rules", "Market", "Trading", "Notices", "Tape", "WebSockets", "Hosting"],
        ["Backtest"] = ["Rules", "Market", "Trading", "Notices", "Tape"],
        // Not layered here: the root folder (KisSimulator, SimulatorCounters, SimulatorOptions …) is the package's namespace,
        // named by every layer and naming Hosting, Backtest and Replay; Faults/ is a feature folder of that namespace whose
        // Internal/RecordSkips is used by Market while SimulatorFaults names Hosting and WebSockets. Both are covered by
        // Source/SourceCycleTests' namespace rule only.
    };

    private static readonly string[] Layers = ["Rules", "Tape", "Market", "Trading", "Notices", "Hosting", "WebSockets", "Replay", "Faults", "Backtest"];

    [Fact]
    public void Each_layer_names_only_the_layers_before_it()
    {
        var root = Path.Combine(Packaging.ReadmeSamples.RepositoryRoot(), "src", "Kis.Realtime.Simulator");
        var violations = new List<string>();
        foreach (var (layer, allowed) in Allowed)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, layer), "*.cs", SearchOption.AllDirectories))
                foreach (var used in Referenced(File.ReadAllText(file)))
                    if (used != layer && !allowed.Contains(used))
                        violations.Add($"{Path.GetRelativePath(root, file)} names {used}");
        Assert.True(violations.Count == 0, "back-references:\n  " + string.Join("\n  ", violations.Distinct()));
    }

    [Fact]
    public void The_check_sees_a_using_and_a_qualified_name()
    {
        Assert.Equal(["Trading", "Hosting"], Referenced("using Kis.Realtime.Simulator.Trading;\nvar x = new Hosting.SimulatorHub();"));
        // A property of that name (market.Tape) and a longer type name (TradingHours) are not layers.
        Assert.Empty(Referenced("market.Tape.Flush(); TradingHours.Venue; // Market. in a comment"));
    }

    /// <summary>The layers a source file names: its usings of the simulator's namespaces and names qualified by one.</summary>
    private static List<string> Referenced(string source)
    {
        var code = Comment().Replace(source, "");
        var found = new List<string>();
        foreach (Match m in Using().Matches(code)) found.Add(m.Groups[1].Value);
        foreach (Match m in Qualified().Matches(code)) found.Add(m.Groups[1].Value);
        return [.. found.Where(Layers.Contains).Distinct()];
    }

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"Kis\.Realtime\.Simulator\.(\w+)")]
    private static partial Regex Using();

    // A layer's name used as a namespace qualifier: not after a dot or a letter (market.Tape is a property).
    [GeneratedRegex(@"(?<![\w.])(Rules|Tape|Market|Trading|Notices|Hosting|WebSockets|Replay|Faults|Backtest)\.[A-Z]")]
    private static partial Regex Qualified();
}
