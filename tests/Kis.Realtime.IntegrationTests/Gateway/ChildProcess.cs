using System.Diagnostics;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>Runs a program to its end, with its output and errors read as it writes them (a full pipe never stalls it).</summary>
internal static class ChildProcess
{
    public sealed record Result(int ExitCode, string Output, string Errors);

    /// <param name="environment">Added to the child's environment (secrets go here, never on a command line that ps shows).</param>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(timeout);
        return new Result(process.ExitCode, await output, await errors);
    }
}
