using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Cli;

/// <summary><c>kisrt stream --format jsonl | head -1</c>: the reader of standard output goes away mid-run.</summary>
public sealed class ClosedOutputTests
{
    [Fact]
    public async Task A_reader_that_closes_the_pipe_ends_the_run_promptly_and_the_summary_counts_what_was_not_written()
    {
        // The run would last two minutes: only the closed pipe can end it within the bound below.
        using var kisrt = StartKisrt("stream", "--format", "jsonl", "--sim-pace", "flat-out", "--sub", "index:0001", "--duration", "120s");
        try
        {
            var errors = kisrt.StandardError.ReadToEndAsync();
            var first = await kisrt.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.StartsWith("{", first);
            kisrt.StandardOutput.Close(); // like head -1 after its line

            // Failed before: the console's stream swallows EPIPE, and kisrt wrote into nothing until --duration.
            var exited = await Record.ExceptionAsync(() => kisrt.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.True(exited is null, "kisrt still runs 20 s after its reader closed standard output");
            var text = await errors;
            Assert.Equal(0, kisrt.ExitCode);
            Assert.Contains("kisrt: standard output was closed by its reader; stopped.", text);
            var notWritten = Regex.Match(text, @"not written \(standard output closed\) ([\d,]+)");
            Assert.True(notWritten.Success, text);
            Assert.True(long.Parse(notWritten.Groups[1].Value.Replace(",", "")) > 0, text);
        }
        finally
        {
            if (!kisrt.HasExited) kisrt.Kill(entireProcessTree: true);
        }
    }

    /// <summary>kisrt.dll as copied next to the tests, with the test assembly's dependency manifest (as RecordKillTests does).</summary>
    internal static Process StartKisrt(params string[] arguments) => StartKisrt(new Dictionary<string, string>(), arguments);

    /// <summary>As above, with these environment variables set for the child.</summary>
    internal static Process StartKisrt(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var folder = AppContext.BaseDirectory;
        var tests = Path.Combine(folder, typeof(ClosedOutputTests).Assembly.GetName().Name!);
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["exec", "--depsfile", tests + ".deps.json", "--runtimeconfig", tests + ".runtimeconfig.json",
            Path.Combine(folder, "kisrt.dll"), .. arguments])
            start.ArgumentList.Add(arg);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal)
            || k.StartsWith("Kis__", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name); // the built-in simulator
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
