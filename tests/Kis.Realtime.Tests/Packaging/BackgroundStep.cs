using System.Diagnostics;
using Kis.Realtime.Tests.Gateway;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// A slow build step that scripts/test.sh started in the background as the suite began (a Native AOT publish of
/// scripts/aot-prepublish.sh, the library pack of scripts/package-prepack.sh), so that it ran beside the builds and the
/// other tests instead of alone inside the one that needs it. The script writes into its folder <c>pid</c> (its own
/// process), NAME.out and NAME.log (the step's standard output and error) and, last, NAME.status (its exit code). A test
/// waits for the status and reads the output as if it had run the step itself. A script that ended without a status
/// (killed) or a step that outlived its timeout fails the waiting test with the step's log: never a hang.
/// </summary>
internal static class BackgroundStep
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Waits for step <paramref name="name"/> of <paramref name="script"/> in <paramref name="folder"/>: its exit code,
    /// standard output and error, as <see cref="ChildProcess.RunAsync"/> would have returned them.
    /// <paramref name="step"/> names it in a failure ("the kisrt publish").
    /// </summary>
    public static async Task<ChildProcess.Result> WaitAsync(string folder, string name, string script, string step, TimeSpan timeout)
    {
        var status = Path.Combine(folder, name + ".status");
        var waited = Stopwatch.StartNew();
        // The status is checked again after the script is seen gone: it writes the status, then ends.
        while (!File.Exists(status))
        {
            if (!ScriptRunning(folder) && !File.Exists(status))
                Assert.Fail($"{script} ended without finishing {step}; its log:\n{Read(folder, name + ".log")}");
            if (waited.Elapsed > timeout)
                throw new TimeoutException($"{step} of {script} did not end within {timeout}; its log so far:\n" + Read(folder, name + ".log"));
            await Task.Delay(Poll);
        }
        var exitCode = int.Parse(File.ReadAllText(status).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return new ChildProcess.Result(exitCode, Read(folder, name + ".out"), Read(folder, name + ".log"));
    }

    /// <summary>Whether the process named in the folder's <c>pid</c> file still runs (a zombie has ended).</summary>
    private static bool ScriptRunning(string folder)
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
