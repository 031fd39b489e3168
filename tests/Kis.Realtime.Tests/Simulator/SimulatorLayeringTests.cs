using Kis.Realtime.Tests.Source;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 44 item 3, issue 75 item 4: the simulator's layers import one way, market → tape → venue → notices → sessions
/// (the data flows that way; each folder may name only the layers before it; hosting, which creates the sessions, comes
/// after them). Read by the compiler (<see cref="CompiledProject"/>: a member access such as <c>market.Tape.Flush()</c>
/// or an expression body names its type too), every top-level folder listed: a new back-reference (a market type naming
/// the venue, the tape naming the market, a session naming the hosting layer) or a new folder fails here.
/// </summary>
public sealed class SimulatorLayeringTests
{
    // The venue core (Trading/Core: one order flow for both venues, emitting OrderEvents; Engine/: matching; Ledger/:
    // money) is beneath the market, whose notice writers speak its events; the paper venue around it comes after.
    private static readonly string[] VenueCore = ["Trading/Core", "Trading/Engine", "Trading/Ledger"];

    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        // KRX's rule table (tick bands, limits, multipliers) is under everything: the market generates on it, venues check it.
        ["Rules"] = [],
        // The running totals every layer counts into (SimulatorTally; the public SimulatorCounters at the root reads them).
        ["Metrics"] = [],
        ["Tape"] = ["Metrics"],
        ["Trading/Engine"] = ["Rules", "Tape"],
        ["Trading/Ledger"] = ["Rules"],
        ["Trading/Core"] = ["Rules", "Tape", "Trading/Engine", "Trading/Ledger"],
        ["Market"] = ["Rules", "Metrics", "Tape", .. VenueCore],
        ["Trading"] = ["Rules", "Metrics", "Market", "Tape", .. VenueCore],
        ["Notices"] = ["Rules", "Metrics", "Market", "Trading", "Tape", .. VenueCore],
        // Sessions serve what the layers before them make; hosting creates them and implements their ISessionHost.
        ["WebSockets"] = ["Rules", "Metrics", "Market", "Trading", "Notices", "Tape", .. VenueCore],
        // The fault switches act on the running hub through Faults/Internal/IFaultTarget, which the hub implements: they
        // sit beneath Hosting, whose REST endpoints switch them; the skip rules they set live in Market (RecordSkips).
        ["Faults"] = ["Rules", "Metrics", "Market", "Trading", "Notices", "Tape", "WebSockets", .. VenueCore],
        // Hosting wires the layers and sessions together; a replay and a backtest drive them from outside (issue #60 item 3).
        ["Hosting"] = ["Rules", "Metrics", "Market", "Trading", "Notices", "Tape", "WebSockets", "Faults", .. VenueCore],
        ["Replay"] = ["Rules", "Metrics", "Market", "Trading", "Notices", "Tape", "WebSockets", "Faults", "Hosting", .. VenueCore],
        ["Backtest"] = ["Rules", "Metrics", "Market", "Trading", "Notices", "Tape", .. VenueCore],
        // The root folder (KisSimulator, SimulatorOptions, SimulatorCounters …, with the package's Internal/) is not a
        // layer yet: its public types are both the entry points and values every layer names, a cycle that
        // Source/SourceCycleTests lists as known.
    };

    [Fact]
    public void Each_layer_names_only_the_layers_before_it()
    {
        var project = CompiledProject.Load("Kis.Realtime.Simulator");
        var folders = project.References.Select(r => LayerOf(r.File)).Where(f => f.Length > 0).Distinct();
        Assert.Empty(folders.Except(Allowed.Keys)); // a new folder gets its place in the table
        var violations = Violations(project);
        Assert.True(violations.Count == 0, "back-references:\n  " + string.Join("\n  ", violations));
    }

    [Fact]
    public void The_check_sees_a_member_access_and_an_expression_body()
    {
        var project = CompiledProject.Compile("T",
        [
            ("Hosting/Hub.cs", "namespace S.Hosting;\ninternal sealed class Hub { public static Hub Current { get; } = new(); public int Count => 1; }"),
            ("Hosting/Holder.cs", "namespace S.Hosting;\ninternal sealed class Holder { public Hub Hub { get; } = new(); }"),
            // Names neither Hosting nor Hub in text: h.Hub.Count is a use of Hub (issue 75 item 4: market.Tape.Flush()).
            ("Market/Stock.cs", "namespace S.Market;\ninternal sealed class Stock { public int Of(S.Hosting.Holder h) => h.Hub.Count; }"),
            ("Tape/Tape.cs", "namespace S.Tape;\ninternal sealed class Tape { public int N => S.Hosting.Hub.Current.Count; }"),
        ]);
        var violations = Violations(project);
        Assert.Contains("Market/Stock.cs:2 Count (S.Hosting.Hub) names Hosting/", violations);
        Assert.Contains("Tape/Tape.cs:2 Current (S.Hosting.Hub) names Hosting/", violations);
        Assert.Equal(6, violations.Count); // Holder, Holder.Hub and Hub.Count; Hub, Hub.Current and Hub.Count
    }

    /// <summary>A file's top-level folder ("" the root's), the venue core's three folders each a layer of its own.</summary>
    private static string LayerOf(string file) =>
        VenueCore.FirstOrDefault(core => file.StartsWith(core + "/", StringComparison.Ordinal)) ?? SourceCycleTests.FolderOf(file);

    private static List<string> Violations(CompiledProject project)
    {
        var found = new List<string>();
        foreach (var use in project.References)
        {
            var layer = LayerOf(use.File);
            if (!Allowed.TryGetValue(layer, out var allowed)) continue;
            var homes = use.TypeFiles.Select(LayerOf).Distinct().ToList();
            if (homes.Contains(layer)) continue; // a partial type of its own folder too
            found.AddRange(homes.Where(h => h.Length > 0 && !allowed.Contains(h)).Select(h => $"{use} names {h}/"));
        }
        return [.. found.Distinct()];
    }
}
