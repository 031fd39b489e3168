using System.Diagnostics;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// The whole-market harness's planned stop and audit (<c>--term burst|steady</c>, <c>--term-after S</c>): the rest of the
/// fleet SIGTERMed while it still holds a backlog, each process's exit code and summary line; what the stop left short
/// at the streams' end against the summaries; and <c>kisrt gateway audit</c> over the run's namespace before it is deleted.
/// </summary>
internal static class WholeMarketStop
{
    /// <summary>A stop's grace is 30 s (exit 143 past it); the bound leaves the processes a few seconds more to end.</summary>
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(40);

    public static async Task<List<WholeMarketFleet.Stop>> TermAsync(WholeMarketFleet fleet)
    {
        var stops = await fleet.TermAsync(ExitBound);
        foreach (var s in stops)
            Console.WriteLine($"SIGTERM {s.Name}: " + (s.ExitCode is { } code ? $"exit {code}" : $"still running after {ExitBound.TotalSeconds:0} s, killed") +
                              $" after {s.Took.TotalSeconds:0.0} s; " +
                              (s.Summary.Length == 0 ? "no summary line" : s.Summary[s.Summary.IndexOf("fleet process", StringComparison.Ordinal)..]));
        return stops;
    }

    /// <summary>
    /// What the stop left short at the streams' end, against what the summaries say they did not publish. A key's records
    /// missing after its last run's last record are stated by no announcement (no later run follows a full stop): the
    /// summaries' counts are the only statement, and not per key. On a key of several runs (the kill's) the count alone
    /// cannot tell a tail from the kill's stated gap: said apart.
    /// </summary>
    /// <param name="tail">Against every record made while a gateway held its key (the final count).</param>
    /// <param name="beforeTerm">Against what the simulator had sent at the SIGTERM (stalled a moment): on a key of one run,
    /// short of it is short of records surely sent; on a key of several runs the records after the count hide the kill's gap.</param>
    public static string Tail(WholeMarketConsumer.TailCount tail, WholeMarketConsumer.TailCount beforeTerm, List<WholeMarketFleet.Stop> stops)
    {
        var summed = stops.Where(s => s.Figures is not null).Select(s => s.Figures!).ToList();
        long Sum(int i) => summed.Sum(f => f[i]);
        var notPublished = Sum(0) - Sum(1); // received less confirmed: overflowed, dropped at a fence or at the stop's bound, unconfirmed
        return $"the stop: summaries {summed.Count} of {stops.Count}: received {Sum(0):N0}, confirmed {Sum(1):N0}, overflowed {Sum(2)}, " +
               $"dropped at a fence {Sum(3)}, dropped at the stop's bound {Sum(4)} (received and not confirmed {notPublished}); " +
               $"streams short at their end: {tail.TailRecords} records on {tail.TailKeys} keys of one run (no announcement can state them), " +
               $"{tail.SeveralRunsShort:N0} records on {tail.SeveralRunsKeys} keys with a stated gap (the kill's, any tail of theirs inside); " +
               $"of the records sent by the SIGTERM {beforeTerm.TailRecords} short on {beforeTerm.TailKeys} keys of one run; " +
               (tail.TailRecords == notPublished
                   ? "the tail agrees with the summaries"
                   : $"the tail does NOT agree with the summaries ({tail.TailRecords} vs {notPublished})");
    }

    /// <summary>Runs <c>kisrt gateway audit</c> over the run's namespace (kisrt.dll beside this harness, as the fleet runs); returns its exit code.</summary>
    public static async Task<int> AuditAsync(string amqp, string ns)
    {
        var kisrt = Path.Combine(AppContext.BaseDirectory, "kisrt.dll");
        var self = Path.Combine(AppContext.BaseDirectory, typeof(WholeMarketStop).Assembly.GetName().Name!);
        string[] arguments = ["exec", "--depsfile", self + ".deps.json", "--runtimeconfig", self + ".runtimeconfig.json", kisrt,
            "gateway", "audit", "--amqp", amqp, "--namespace", ns, "--max-findings", "20", "--quiet", "10s"];
        var start = new ProcessStartInfo("dotnet", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(name);
        var clock = Stopwatch.StartNew();
        using var audit = Process.Start(start)!;
        var errors = audit.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (await audit.StandardOutput.ReadLineAsync() is { } line) lines.Add(line);
        await audit.WaitForExitAsync();
        // The streams' figures and every finding that is not a stated gap (at most 20 printed by the audit), then its summary.
        foreach (var line in lines.Where(l => !l.StartsWith("stated ", StringComparison.Ordinal))) Console.WriteLine($"audit: {line}");
        Console.WriteLine($"audit: {lines.Count(l => l.StartsWith("stated ", StringComparison.Ordinal))} stated-gap lines not shown; " +
                          $"exit {audit.ExitCode} after {clock.Elapsed.TotalSeconds:0.0} s" +
                          (await errors is { Length: > 0 } e ? "; stderr: " + e.Trim() : ""));
        return audit.ExitCode;
    }
}
