namespace Kis.Realtime.Tests.Source;

/// <summary>
/// Issue #60 item 3 and issue 75 items 3 and 4: imports go one way everywhere in src/, per project, on the compiler's
/// reading of the source (<see cref="CompiledProject"/>: every name resolved, members and expression bodies included):
/// <list type="bullet">
/// <item>no cycle among its namespaces, its root namespace counted like any other;</item>
/// <item>no cycle among its top-level folders (<c>Bars/</c>, <c>Session/</c>, <c>Market/</c> …), its root folder
/// counted like any other.</item>
/// </list>
/// One unit each: a namespace <c>X.Internal</c> is <c>X</c>'s plumbing and counts as <c>X</c>, a folder's
/// <c>Internal/</c> counts as the folder (the package root's as the root), since a public type and the plumbing behind
/// it speak each other's types by design. No project or folder is exempt; a cycle that exists names one use per edge.
/// </summary>
public sealed class SourceCycleTests
{
    /// <summary>
    /// Cycles that exist and are being removed, as the failure prints them; each stays until the code changes, and one
    /// that is gone must leave the list, so that it cannot come back unnoticed. All are a package's root: its public
    /// types are both its entry points (top) and the values its layers speak (bottom), and a public type cannot change
    /// namespace (package validation against package-baseline/ 0.3.0), so each goes when the layers beneath stop naming
    /// the root's public types (an internal type of their own, translated at the top).
    /// </summary>
    private static readonly HashSet<string> KnownCycles = new(StringComparer.Ordinal)
    {
        // The core's root: KisRealtimeClient runs a KisSession (Session), whose counters, options and errors are the
        // root's public types (KisRealtimeStatistics, KisRealtimeOptions, KisApprovalException …); Auth throws the
        // root's exceptions; Protocol's FrameDecoder looks TRs up in KisTrs (Trs/, a feature folder of the root).
        "Kis.Realtime: namespaces Kis.Realtime, Kis.Realtime.Auth, Kis.Realtime.Protocol, Kis.Realtime.Session",
        "Kis.Realtime: folders (root), Auth, Bars, Gaps, Markets, Protocol, Replay, Rest, Session, Trs",
        // The simulator's root: KisSimulator and KisBacktest start Hosting, Replay and Backtest, while layers name the root's
        // public values (SimulatorOptions and its enums, KisBacktestOptions and results, SkippedRecord, SimulatorSessionInfo,
        // KisSimulatorStateException …). The venue core (Trading/Core, Engine, Ledger) and Tape are out of it: they count into
        // Metrics' SimulatorTally and charge Ledger's TradingCosts, which the root's SimulatorCounters and KisTradingCosts wrap.
        "Kis.Realtime.Simulator: namespaces Kis.Realtime.Simulator, Kis.Realtime.Simulator.Backtest, Kis.Realtime.Simulator.Hosting, "
            + "Kis.Realtime.Simulator.Market, Kis.Realtime.Simulator.Notices, Kis.Realtime.Simulator.Replay, Kis.Realtime.Simulator.Trading, "
            + "Kis.Realtime.Simulator.Trading.Rules, Kis.Realtime.Simulator.WebSockets",
        "Kis.Realtime.Simulator: folders (root), Backtest, Faults, Hosting, Market, Notices, Replay, Trading, WebSockets",
    };

    [Fact]
    public void No_namespace_or_folder_cycle_in_any_src_project_beyond_the_known_ones()
    {
        var found = CompiledProject.ProjectNames().SelectMany(name => Cycles(CompiledProject.Load(name))).ToList();
        var unknown = found.Where(c => !KnownCycles.Contains(c.Cycle)).Select(c => $"{c.Cycle}\n{c.Why}").ToList();
        Assert.True(unknown.Count == 0, "cycles:\n" + string.Join("\n", unknown));
        var gone = KnownCycles.Where(k => found.All(c => c.Cycle != k)).ToList();
        Assert.True(gone.Count == 0, "known cycles no longer found (remove them from KnownCycles):\n" + string.Join("\n", gone));
    }

    [Fact]
    public void Every_src_project_compiles_with_every_name_resolved()
    {
        // A missing reference would resolve nothing and so hide every edge through it.
        foreach (var name in CompiledProject.ProjectNames())
        {
            var project = CompiledProject.Load(name);
            Assert.True(project.Unresolved.Count == 0, $"{name}:\n" + string.Join("\n", project.Unresolved.Take(20)));
            Assert.True(project.References.Count >= project.Files, $"{name}: {project.References.Count} uses in {project.Files} files");
        }
    }

    [Fact]
    public void The_check_sees_member_access_expression_bodies_and_the_root_namespace()
    {
        // Nothing here names a type of another namespace in text but Top's using: Bottom's edge is a member access and
        // an expression body, which a reading of the text missed (issue 75 item 4).
        var project = CompiledProject.Compile("T",
        [
            ("Top.cs", "using P.Low;\nnamespace P;\npublic sealed class Top { public int Run() => new Clock().Now; }"),
            ("Low/Clock.cs", "namespace P.Low;\ninternal sealed class Clock { public int Now => Settings.Of().Limit; }"),
            ("Settings.cs", "namespace P;\npublic sealed class Settings { public int Limit { get; } public static Settings Of() => new(); }"),
            ("Low/Tape.cs", "using P.Low.Internal;\nnamespace P.Low;\ninternal sealed class Tape { public void Flush(Market m) => m.Tape.Flush(m); }"),
            ("Low/Internal/Market.cs", "namespace P.Low.Internal;\ninternal sealed class Market { public Tape Tape { get; } = new(); }"),
        ]);
        Assert.Empty(project.Unresolved);
        Assert.Equal(["T: namespaces P, P.Low", "T: folders (root), Low"], Cycles(project).Select(c => c.Cycle));
        Assert.Contains(project.References, r => r is { File: "Low/Clock.cs", Name: "Of", Type: "P.Settings", Namespace: "P.Low" });
        Assert.Contains(project.References, r => r is { File: "Low/Tape.cs", Name: "Tape", Type: "P.Low.Internal.Market" });
    }

    internal static IEnumerable<(string Cycle, string Why)> Cycles(CompiledProject project)
    {
        var namespaces = new DependencyGraph();
        var folders = new DependencyGraph();
        foreach (var use in project.References)
        {
            var (from, to) = (Unit(use.Namespace), Unit(use.TypeNamespace));
            if (from != to) namespaces.Add(from, to, use.ToString());
            var folder = FolderOf(use.File);
            var targets = use.TypeFiles.Select(FolderOf).Distinct().ToList();
            if (!targets.Contains(folder)) foreach (var target in targets) folders.Add(folder, target, use.ToString());
        }
        foreach (var cycle in namespaces.Cycles())
            yield return ($"{project.Name}: namespaces {string.Join(", ", cycle)}", namespaces.Explain(cycle));
        foreach (var cycle in folders.Cycles())
            yield return ($"{project.Name}: folders {string.Join(", ", cycle.Select(f => f.Length == 0 ? "(root)" : f))}", folders.Explain(cycle));
    }

    private static string Unit(string ns) => ns.EndsWith(".Internal", StringComparison.Ordinal) ? ns[..^".Internal".Length] : ns;

    /// <summary>A file's top-level folder, "" for the root; the root's own <c>Internal/</c> is the root's.</summary>
    internal static string FolderOf(string file)
    {
        var parts = file.Split('/');
        return parts.Length == 1 || parts[0] == "Internal" ? "" : parts[0];
    }
}
