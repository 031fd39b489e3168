using System.Diagnostics;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>Runs a program to its end, with its output and errors read as it writes them (a full pipe never stalls it).</summary>
internal static class ChildProcess
{
    public sealed record Result(int ExitCode, string Output, string Errors);

    /// <param name="environment">Added to the child's environment (secrets go here, never on a command line that ps shows).</param>
    public static Task<Result> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, params (string Name, string Value)[] environment) =>
        RunInAsync(workingDirectory: null, file, arguments, timeout, environment);

    /// <summary>
    /// As <see cref="RunAsync"/>, in <paramref name="workingDirectory"/> (null: this process's). A program still running
    /// after <paramref name="timeout"/> is killed with its whole tree (a build's compiler servers included), then
    /// <see cref="TimeoutException"/> names it: a hung child never outlives the test that started it.
    /// </summary>
    public static async Task<Result> RunInAsync(string? workingDirectory, string file, IEnumerable<string> arguments, TimeSpan timeout,
        params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not end within {timeout}");
        }
        return new Result(process.ExitCode, await output, await errors);
    }
}
