using System.Diagnostics;
using Kis.Realtime.Tests.Gateway;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// A Native AOT publish that scripts/test.sh started in the background as the suite began (scripts/aot-prepublish.sh,
/// its folder in <see cref="Variable"/>), so that it ran beside the build and the unit tests instead of alone at the end.
/// A test waits for the publish's status file and reads its output as if it had run the publish itself; without the
/// variable (a plain <c>dotnet test</c>) the test publishes itself. A publisher that ended without a status (killed) or
/// outlived <see cref="Timeout"/> fails the waiting test with the publish's log: never a hang.
/// </summary>
internal static class PrepublishedAot
{
    /// <summary>The folder scripts/test.sh gave scripts/aot-prepublish.sh.</summary>
    public const string Variable = "KISRT_TEST_PREPUBLISHED";

    /// <summary>As long as a test's own publish may take (a cold Release build on a loaded machine).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(30);

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    /// <summary>The background publishes' folder, or null: the test publishes itself.</summary>
    public static string? Folder => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? folder : null;

    /// <summary>
    /// Waits for publish <paramref name="name"/> (<c>kisrt</c> or <c>aot-worker</c>) in <paramref name="folder"/>: its exit
    /// code, standard output and error, as <see cref="ChildProcess.RunAsync"/> would have returned them.
    /// </summary>
    public static async Task<ChildProcess.Result> WaitAsync(string folder, string name, TimeSpan timeout)
    {
        var status = Path.Combine(folder, name + ".status");
        var waited = Stopwatch.StartNew();
        // The status is checked again after the publisher is seen gone: it writes the status, then ends.
        while (!File.Exists(status))
        {
            if (!PublisherRunning(folder) && !File.Exists(status))
                Assert.Fail($"scripts/aot-prepublish.sh ended without finishing the {name} publish; its log:\n{Read(folder, name + ".log")}");
            if (waited.Elapsed > timeout)
                throw new TimeoutException($"the {name} publish of scripts/aot-prepublish.sh did not end within {timeout}; its log so far:\n" +
                    Read(folder, name + ".log"));
            await Task.Delay(Poll);
        }
        var exitCode = int.Parse(File.ReadAllText(status).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return new ChildProcess.Result(exitCode, Read(folder, name + ".out"), Read(folder, name + ".log"));
    }

    /// <summary>Whether the process named in the folder's <c>pid</c> file still runs (a zombie has ended).</summary>
    private static bool PublisherRunning(string folder)
    {
        var pidFile = Path.Combine(folder, "pid");
        if (!File.Exists(pidFile)) return false;
        var stat = Path.Combine("/proc", File.ReadAllText(pidFile).Trim(), "stat");
        string line;
        try
        {
            line = File.ReadAllText(stat);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone
        }
        // "pid (command) state ...": the state follows the last ')'.
        var state = line[(line.LastIndexOf(')') + 1)..].TrimStart();
        return state.Length > 0 && state[0] != 'Z';
    }

    private static string Read(string folder, string file)
    {
        var path = Path.Combine(folder, file);
        return File.Exists(path) ? File.ReadAllText(path) : $"({file} was not written)";
    }
}
