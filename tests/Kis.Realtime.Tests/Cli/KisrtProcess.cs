using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// kisrt as a real process (kisrt.dll beside the tests, as <see cref="ClosedOutputTests.StartKisrt(string[])"/>), its
/// outputs read line by line as they come, so a test waits for what it prints (a start-up stage) instead of sleeping,
/// and sends it SIGINT as a terminal's Ctrl+C does.
/// </summary>
internal sealed class KisrtProcess : IDisposable
{
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly StringBuilder _out = new(), _err = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private KisrtProcess(Process process) => _process = process;

    /// <summary>Starts kisrt with <paramref name="arguments"/> in <paramref name="workingDirectory"/> (the test's own by default).</summary>
    public static KisrtProcess Start(string? workingDirectory, params string[] arguments)
        => Start(workingDirectory, new Dictionary<string, string>(), arguments);

    /// <summary>As <see cref="Start(string?, string[])"/>, with <paramref name="environment"/> added to kisrt's (XDG_DATA_HOME: its data folder).</summary>
    public static KisrtProcess Start(string? workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var folder = AppContext.BaseDirectory;
        var tests = Path.Combine(folder, typeof(KisrtProcess).Assembly.GetName().Name!);
        // Through env --default-signal: a test host started in the background of a non-interactive shell ignores SIGINT,
        // and a child inherits that (kisrt would never see its Ctrl+C).
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in (string[])["--default-signal=INT", "dotnet", "exec", "--depsfile", tests + ".deps.json", "--runtimeconfig",
            tests + ".runtimeconfig.json", Path.Combine(folder, "kisrt.dll"), .. arguments])
            start.ArgumentList.Add(arg);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal)
            || k.StartsWith("Kis__", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name); // the built-in simulator
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        var kisrt = new KisrtProcess(process);
        process.OutputDataReceived += (_, e) => kisrt.Add(e.Data, kisrt._out);
        process.ErrorDataReceived += (_, e) => kisrt.Add(e.Data, kisrt._err);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return kisrt;
    }

    private void Add(string? line, StringBuilder into)
    {
        if (line is null) return;
        List<TaskCompletionSource<string>> seen;
        lock (_gate)
        {
            into.AppendLine(line);
            seen = [.. _waiters.Where(w => w.Match(line)).Select(w => w.Seen)];
            _waiters.RemoveAll(w => seen.Contains(w.Seen));
        }
        foreach (var s in seen) s.TrySetResult(line);
    }

    public string Output
    {
        get { lock (_gate) return _out.ToString(); }
    }

    public string Errors
    {
        get { lock (_gate) return _err.ToString(); }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>The first line on either output that <paramref name="match"/> takes (one already printed counts).</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var done = (_out.ToString() + _err).Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(match);
            if (done is not null) return done;
            _waiters.Add((match, seen));
        }
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(seen.Task, exited).WaitAsync(StepTimeout) != seen.Task)
        {
            _process.WaitForExit(); // the output events have all run
            if (seen.Task.IsCompleted) return await seen.Task;
            throw new InvalidOperationException($"kisrt exited ({_process.ExitCode}) before the line waited for; output:\n{Output}\nerrors:\n{Errors}");
        }
        return await seen.Task;
    }

    /// <summary>SIGINT, as Ctrl+C in a terminal.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync().WaitAsync(StepTimeout);
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(StepTimeout);
        _process.WaitForExit(); // the output events have all run
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process ends on the spot, as at a crash (nothing of it runs after).</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(StepTimeout);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // not started, or gone already
        }
        _process.Dispose();
    }
}
