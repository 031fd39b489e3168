using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// The whole-market harness's gateways: N <c>kisrt gateway --fleet</c> processes (kisrt.dll beside this harness), each with
/// the same <c>--credentials-file</c> and <c>--sub-file</c>, as docs/gateway.md's runbook starts a fleet. Reads each
/// process's status line (a second) for its shards and registrations; keeps each process's last CPU time from /proc so a
/// killed one still counts in the CPU per record.
/// </summary>
internal sealed partial class WholeMarketFleet : IAsyncDisposable
{
    [GeneratedRegex(@"fleet process \S+: live processes (\d+), fair share \d+, shards \[([^\]]*)\], registrations (\d+),")]
    private static partial Regex FleetLine();

    [GeneratedRegex(@"fleet process \S+ stopped: received (\d+), confirmed (\d+), overflowed (\d+), dropped at a fence (\d+), " +
                    @"dropped at the stop's bound (\d+)")]
    private static partial Regex SummaryLine();

    private sealed class Member(Process process, string name)
    {
        public Process Process { get; } = process;
        public string Name { get; } = name;
        public volatile string Line = "";
        public volatile string Summary = "";
        public TimeSpan LastCpu;
        public bool Killed;
        public TextWriter? Log;
    }

    private readonly List<Member> _members = [];

    private WholeMarketFleet()
    {
    }

    /// <summary>Starts the fleet; <paramref name="logs"/>: a directory that keeps each process's log (<c>wm-N.log</c>), or null.</summary>
    public static WholeMarketFleet Start(int processes, string dir, string amqp, string ns, KisSimulator sim, string? logs = null,
        string electionHeartbeat = "10s")
    {
        var fleet = new WholeMarketFleet();
        if (logs is not null) Directory.CreateDirectory(logs); // a missing one would crash the harness and orphan the fleet
        var kisrt = Path.Combine(AppContext.BaseDirectory, "kisrt.dll");
        var self = Path.Combine(AppContext.BaseDirectory, typeof(WholeMarketFleet).Assembly.GetName().Name!);
        for (var i = 0; i < processes; i++)
        {
            // kisrt.dll resolved with this harness's dependency manifest, as the CLI tests run it.
            string[] arguments = ["exec", "--depsfile", self + ".deps.json", "--runtimeconfig", self + ".runtimeconfig.json", kisrt,
                "gateway", "--fleet", "--fleet-name", $"wm-{i}", "--amqp", amqp, "--namespace", ns,
                "--credentials-file", Path.Combine(dir, "keys.json"), "--sub-file", Path.Combine(dir, "subs.txt"),
                "--ws-url", sim.WebSocketUrl.ToString(), "--rest-url", sim.RestBaseUrl.ToString(), "--status-interval", "1s",
                // Every component on two saturated cores: the default 2 s lets the burst drop healthy elections (docs/gateway.md, Fleet).
                "--election-heartbeat", electionHeartbeat,
                .. logs is null ? Array.Empty<string>() : ["--log-level", "info"]]; // kept logs say when each shard moved
            var start = new ProcessStartInfo("dotnet", arguments)
                { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = dir };
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(name);
            start.Environment["XDG_DATA_HOME"] = Path.Combine(dir, $"data-{i}"); // approval keys cached per process, not the user's
            var member = new Member(Process.Start(start)!, $"wm-{i}");
            var log = logs is null ? null : TextWriter.Synchronized(File.CreateText(Path.Combine(logs, $"wm-{i}.log")));
            member.Log = log;
            // Both outputs kept (with --logs): the status lines and the stop's summary, the last line, whichever one carries them.
            void Take(DataReceivedEventArgs e)
            {
                if (e.Data is not { } line) return;
                if (FleetLine().IsMatch(line)) member.Line = line;
                if (SummaryLine().IsMatch(line)) member.Summary = line;
                log?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            }
            member.Process.ErrorDataReceived += (_, e) => Take(e);
            member.Process.OutputDataReceived += (_, e) => Take(e);
            member.Process.BeginErrorReadLine();
            member.Process.BeginOutputReadLine();
            fleet._members.Add(member);
        }
        return fleet;
    }

    /// <summary>Every live process counting them all and holding no more than the fair share: the hand-overs of the start are over.</summary>
    public bool Balanced
    {
        get
        {
            var lines = Live.Select(m => FleetLine().Match(m.Line)).ToList();
            if (lines.Any(l => !l.Success || int.Parse(l.Groups[1].Value, CultureInfo.InvariantCulture) != lines.Count)) return false;
            var held = lines.Select(l => l.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Length).ToList();
            var share = (held.Sum() + lines.Count - 1) / lines.Count;
            return held.All(h => h <= share);
        }
    }

    /// <summary>Registrations the live processes' last status lines add up to.</summary>
    public int Registrations => Live.Sum(RegistrationsOf);

    /// <summary>Of those, asked of KIS and not yet answered (no feed, no announcement yet).</summary>
    public int Opening => Live.Sum(m => OpeningLine().Match(m.Line) is { Success: true } l ? int.Parse(l.Groups[1].Value, CultureInfo.InvariantCulture) : 0);

    [GeneratedRegex(@"fleet process \S+: .*, opening (\d+),")]
    private static partial Regex OpeningLine();

    private static int RegistrationsOf(Member m) =>
        FleetLine().Match(m.Line) is { Success: true } l ? int.Parse(l.Groups[3].Value, CultureInfo.InvariantCulture) : 0;

    private IEnumerable<Member> Live => _members.Where(m => !m.Killed);

    public bool AnyExited => Live.Any(m => m.Process.HasExited);

    public IEnumerable<int> ProcessIds => Live.Select(m => m.Process.Id);

    /// <summary>Every process's CPU time so far (a killed one's as last read).</summary>
    public TimeSpan Cpu(Func<int, TimeSpan> read)
    {
        foreach (var m in Live)
            if (read(m.Process.Id) is var cpu && cpu > m.LastCpu) m.LastCpu = cpu;
        return _members.Aggregate(TimeSpan.Zero, (t, m) => t + m.LastCpu);
    }

    public string Lines => string.Join("\n  ", Live.Select(m => m.Line));

    /// <summary>SIGKILL to the live process holding the most registrations; returns its status line.</summary>
    public string KillBusiest(Func<int, TimeSpan> read)
    {
        Cpu(read);
        var victim = Live.OrderByDescending(RegistrationsOf).First();
        victim.Process.Kill();
        victim.Killed = true;
        return victim.Line;
    }

    /// <summary>A process's planned stop: its exit code (null: still running at the bound, then killed), how long it took,
    /// its summary line and the summary's figures (received, confirmed, overflowed, dropped at a fence, at the stop's bound).</summary>
    public sealed record Stop(string Name, int? ExitCode, TimeSpan Took, string Summary, long[]? Figures);

    /// <summary>
    /// SIGTERM to every live process at once, as an operator stops the fleet, then each one's exit waited for up to
    /// <paramref name="bound"/> (the stop's grace is 30 s: exit 143 is a stop that overran it). A process still running
    /// at the bound is killed and reported with no exit code.
    /// </summary>
    public async Task<List<Stop>> TermAsync(TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        var stopping = Live.Where(m => !m.Process.HasExited).ToList();
        foreach (var m in stopping) SendTerm(m.Process.Id);
        var stops = new List<Stop>();
        foreach (var m in stopping)
        {
            using var bounded = new CancellationTokenSource(bound - clock.Elapsed is { Ticks: > 0 } left ? left : TimeSpan.Zero);
            int? code;
            try
            {
                await m.Process.WaitForExitAsync(bounded.Token); // also waits for the outputs' end: the summary is read by then
                code = m.Process.ExitCode;
            }
            catch (OperationCanceledException)
            {
                m.Process.Kill();
                code = null;
            }
            var took = m.Process.HasExited ? m.Process.ExitTime.ToUniversalTime() - DateTime.UtcNow + clock.Elapsed : clock.Elapsed;
            var figures = SummaryLine().Match(m.Summary) is { Success: true } f
                ? f.Groups.Values.Skip(1).Select(g => long.Parse(g.Value, CultureInfo.InvariantCulture)).ToArray()
                : null;
            stops.Add(new Stop(m.Name, code, took, m.Summary, figures));
            m.Killed = true; // not live any more: Dispose leaves it be
        }
        return stops;
    }

    /// <summary>Stops the live processes as an operator would (SIGTERM: each hands its shards on and exits).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var m in Live.Where(m => !m.Process.HasExited)) SendTerm(m.Process.Id);
        foreach (var m in _members)
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await m.Process.WaitForExitAsync(bounded.Token);
            }
            catch (OperationCanceledException)
            {
                m.Process.Kill();
            }
            m.Process.Dispose();
            m.Log?.Dispose();
        }
    }

    private static void SendTerm(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
    }
}
