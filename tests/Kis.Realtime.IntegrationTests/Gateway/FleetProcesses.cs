using System.Globalization;
using System.Text.RegularExpressions;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// <c>kisrt gateway --fleet</c> as child processes: their arguments and files, and what their status lines say (the
/// <c>FleetStatusLine</c> and summary of GatewayFleetProcess.cs), read one way by every test that starts them.
/// </summary>
internal static partial class FleetProcesses
{
    /// <summary>A status line's (confirmed, received): the figures <see cref="RecordKillTests.RecorderProcess.LastReported"/> reads.</summary>
    [GeneratedRegex(@"received (?=\d+, confirmed (\d+))(\d+)")]
    public static partial Regex ConfirmedPattern();

    /// <summary>A fleet status line: (live processes, the shards it holds, comma-separated).</summary>
    [GeneratedRegex(@"fleet process \S+: live processes (\d+), fair share \d+, shards \[([^\]]*)\]")]
    public static partial Regex FleetLine();

    /// <summary>The shards a process says it lets go of by itself: handed over beyond its fair share, or left after failing to
    /// serve them (KisGatewayFleet's and FleetShard's warnings).</summary>
    [GeneratedRegex(@"Fleet: handing over shard\(s\) ([^:]+):|Fleet shard (\S+): could not serve it")]
    public static partial Regex LetGoLine();

    /// <summary>The shards <paramref name="text"/> says were let go of from <paramref name="from"/> on (see <see cref="LetGoLine"/>).</summary>
    public static IReadOnlySet<string> LetGo(string text, int from) =>
        LetGoLine().Matches(text, from).SelectMany(m => (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet();

    /// <summary>
    /// Records confirmed from <paramref name="from"/> on, counted from one fleet line to the next with the same shards only: a
    /// line's figure sums the gateways held now, so it falls when a shard moves away and would hide records still flowing.
    /// </summary>
    public static long ConfirmedSince(string text, int from)
    {
        var (growth, shards, confirmed) = (0L, (string?)null, 0L);
        foreach (var line in text[from..].Split('\n'))
        {
            if (FleetLine().Match(line) is not { Success: true } fleet || ConfirmedPattern().Match(line) is not { Success: true } figures) continue;
            var now = long.Parse(figures.Groups[1].Value, CultureInfo.InvariantCulture);
            if (shards == fleet.Groups[2].Value) growth += Math.Max(0, now - confirmed);
            (shards, confirmed) = (fleet.Groups[2].Value, now);
        }
        return growth;
    }

    /// <summary>The app keys file (<c>--credentials-file</c>) and the universe file (<c>--sub-file</c>, one <c>TR:key</c> a line) in
    /// <paramref name="folder"/>.</summary>
    public static async Task<(string Credentials, string Universe)> WriteFilesAsync(string folder, IEnumerable<SimulatorCredential> keys,
        IEnumerable<string> universe)
    {
        var (credentials, subs) = (Path.Combine(folder, "keys.txt"), Path.Combine(folder, "universe.txt"));
        await File.WriteAllLinesAsync(credentials, ["# the fleet's app keys", .. keys.Select(k => $"{k.AppKey} {k.AppSecret}")]);
        await File.WriteAllLinesAsync(subs, ["# the universe", .. universe]);
        return (credentials, subs);
    }

    /// <summary>The arguments of fleet process <paramref name="name"/> on <paramref name="amqp"/>'s namespace <paramref name="ns"/>.</summary>
    public static string[] Arguments(Uri amqp, string ns, string name, (string Credentials, string Universe) files) =>
        ["--amqp", amqp.ToString(), "--namespace", ns, "--fleet", "--fleet-name", name, "--credentials-file", files.Credentials,
            "--sub-file", files.Universe];

    /// <summary>Starts fleet process <paramref name="name"/> (its status lines every 100 ms).</summary>
    public static RecordKillTests.RecorderProcess Start(KisSimulator sim, SimulatorCredential anyKey, Uri amqp, string ns, string name,
        (string Credentials, string Universe) files) =>
        RecordKillTests.RecorderProcess.StartCommand("gateway", sim, anyKey, ConfirmedPattern(), Arguments(amqp, ns, name, files));

    /// <summary>The shards a process said it held in its last fleet line.</summary>
    public static IReadOnlyList<string> Held(RecordKillTests.RecorderProcess process) =>
        LastLine(process) is { } line ? line.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];

    /// <summary>Every one of <paramref name="shards"/> held by exactly one of the processes, each counting <paramref name="live"/>
    /// live processes in its last fleet line.</summary>
    public static bool Covered(IEnumerable<RecordKillTests.RecorderProcess> processes, IReadOnlyCollection<string> shards, int live)
    {
        var lines = processes.Select(LastLine).ToList();
        if (lines.Any(l => l is null || l.Groups[1].Value != live.ToString(CultureInfo.InvariantCulture))) return false;
        var held = lines.SelectMany(l => l!.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
        return held.Count == shards.Count && shards.All(held.Contains);
    }

    /// <summary>The process's last fleet status line, or null before its first.</summary>
    public static Match? LastLine(RecordKillTests.RecorderProcess process) =>
        FleetLine().Matches(process.Stderr) is { Count: > 0 } lines ? lines[^1] : null;

    /// <summary>The last lines of a process's output, for a failure's message.</summary>
    public static string Tail(string text, int characters = 4000) => text[Math.Max(0, text.Length - characters)..];
}
