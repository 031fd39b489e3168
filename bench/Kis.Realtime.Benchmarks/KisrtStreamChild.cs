using System.Diagnostics;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>kisrt stream --format jsonl</c> as a child process against a simulator of this process, its standard output read
/// and counted line by line (a record a line). <paramref name="kisrt"/> is kisrt.dll (run with <c>dotnet</c>) or a
/// native executable (a Native AOT publish).
/// </summary>
internal sealed class KisrtStreamChild : IAsyncDisposable
{
    private readonly Process _child;
    private readonly Task _counting;
    private readonly Task<string> _errors;
    private long _lines;

    public KisrtStreamChild(string kisrt, KisSimulator sim)
    {
        string[] arguments = ["stream", "--ws-url", sim.WebSocketUrl.ToString(), "--rest-url", sim.RestBaseUrl.ToString(), "--format", "jsonl"];
        var start = kisrt.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet", [kisrt, .. arguments])
            : new ProcessStartInfo(kisrt, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        // Measured as configured here, nothing else: no appsettings.json of the current folder, no credentials or
        // kisrt settings of the developer's environment (they would go to the simulator, or change the run).
        start.WorkingDirectory = Directory.CreateTempSubdirectory("kisrt-stream-bench-").FullName;
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal)
            || k.StartsWith("KISRT_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        _child = Process.Start(start)!;
        var stdout = _child.StandardOutput.BaseStream;
        _counting = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await stdout.ReadAsync(buffer)) > 0) Interlocked.Add(ref _lines, buffer.AsSpan(0, n).Count((byte)'\n'));
        });
        _errors = _child.StandardError.ReadToEndAsync();
    }

    public Process Process => _child;

    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Why the child wrote nothing: its standard error if it has exited.</summary>
    public async Task<string> FailureAsync() => _child.HasExited ? await _errors : "still running";

    public async ValueTask DisposeAsync()
    {
        if (!_child.HasExited) _child.Kill();
        await _child.WaitForExitAsync();
        await _counting;
        _child.Dispose();
    }
}
