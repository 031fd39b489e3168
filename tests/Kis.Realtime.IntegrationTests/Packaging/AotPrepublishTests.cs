using System.Diagnostics;
using Kis.Realtime.Tests.Gateway;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// scripts/aot-prepublish.sh (the two Native AOT publishes scripts/test.sh starts in the background) and the tests' wait
/// for it (<see cref="PrepublishedAot"/>): each publish's result reads as the test's own publish would, a failed publish
/// is the waiting test's failure with its log, and a publisher gone without a result ends the wait at once. Run on a
/// copy of the scripts in a folder of its own with a stand-in <c>dotnet</c>: milliseconds, not the minutes of a publish.
/// </summary>
public sealed class AotPrepublishTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kisrt-aot-prepublish-").FullName;

    public AotPrepublishTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "scripts"));
        foreach (var script in new[] { "aot-prepublish.sh", "kisrt.sh" })
            File.Copy(Path.Combine(ReadmeSamples.RepositoryRoot(), "scripts", script), Path.Combine(_root, "scripts", script));
        Executable(Path.Combine(_root, "scripts", "aot.sh"), "exit 0");
        // The stand-in publish: writes the native file named after the project, and the build folder it was given.
        Executable(Path.Combine(_root, "fake-bin", "dotnet"), """
            out=; prev=; for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done
            echo "$ArtifactsPath" >> "$(dirname "$0")/artifacts-paths"
            name=kisrt
            case "$*" in *AotWorker*) name=Kis.Realtime.AotWorker;; esac
            [ $name != kisrt ] && [ -n "${FAIL_WORKER:-}" ] && { echo "error CS0246: the worker is broken" >&2; exit 1; }
            mkdir -p "$out"; printf '#!/bin/sh\necho 1.2.3\n' > "$out/$name"; chmod +x "$out/$name"
            """);
    }

    private string Folder => Path.Combine(_root, "prepublished");

    [Fact]
    public async Task Both_publishes_read_as_the_tests_own_from_build_folders_of_their_own()
    {
        await PrepublishAsync(failWorker: false);

        var kisrt = await PrepublishedAot.WaitAsync(Folder, "kisrt", TimeSpan.FromMinutes(1));
        Assert.True(kisrt.ExitCode == 0, kisrt.Errors);
        Assert.Contains(NativeKisrtTests.Publish.Publishing, kisrt.Errors, StringComparison.Ordinal);
        Assert.Matches(NativeKisrtTests.Publish.VersionOnly, kisrt.Output);
        Assert.True(File.Exists(Path.Combine(Folder, "kisrt", "kisrt")), "no kisrt in the script's native folder");
        var worker = await PrepublishedAot.WaitAsync(Folder, "aot-worker", TimeSpan.FromMinutes(1));
        Assert.True(worker.ExitCode == 0, worker.Errors);
        Assert.True(File.Exists(Path.Combine(Folder, "aot-worker", "Kis.Realtime.AotWorker")), "no worker");
        // Never the checkout's obj/ folders, which the Debug build of the tests restores at the same time.
        Assert.Equal([Path.Combine(Folder, "artifacts"), Path.Combine(Folder, "artifacts")],
            File.ReadAllLines(Path.Combine(_root, "fake-bin", "artifacts-paths")));
    }

    [Fact]
    public async Task A_failed_publish_is_the_waiting_tests_exit_code_and_log()
    {
        await PrepublishAsync(failWorker: true);

        var worker = await PrepublishedAot.WaitAsync(Folder, "aot-worker", TimeSpan.FromMinutes(1));
        Assert.Equal(1, worker.ExitCode);
        Assert.Contains("error CS0246: the worker is broken", worker.Errors, StringComparison.Ordinal);
        Assert.Equal(0, (await PrepublishedAot.WaitAsync(Folder, "kisrt", TimeSpan.FromMinutes(1))).ExitCode);
    }

    [Fact]
    public async Task A_publisher_gone_without_a_result_ends_the_wait_at_once_with_the_publish_log()
    {
        Directory.CreateDirectory(Folder);
        using (var ended = Process.Start("true")!)
        {
            await ended.WaitForExitAsync();
            await File.WriteAllTextAsync(Path.Combine(Folder, "pid"), $"{ended.Id}\n");
        }
        await File.WriteAllTextAsync(Path.Combine(Folder, "kisrt.log"), "kisrt.sh: publishing kisrt as a native executable\n");

        var waited = Stopwatch.StartNew();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => PrepublishedAot.WaitAsync(Folder, "kisrt", TimeSpan.FromMinutes(30)));
        Assert.Contains("ended without finishing the kisrt publish", e.Message, StringComparison.Ordinal);
        Assert.Contains("publishing kisrt as a native executable", e.Message, StringComparison.Ordinal);
        Assert.True(waited.Elapsed < TimeSpan.FromMinutes(5), $"waited {waited.Elapsed} for a publisher that had ended");
    }

    [Fact]
    public async Task A_publish_still_running_at_the_timeout_fails_with_its_log_so_far()
    {
        Directory.CreateDirectory(Folder);
        await File.WriteAllTextAsync(Path.Combine(Folder, "pid"), $"{Environment.ProcessId}\n"); // a process that runs on
        await File.WriteAllTextAsync(Path.Combine(Folder, "aot-worker.log"), "Generating native code\n");

        var e = await Assert.ThrowsAsync<TimeoutException>(() => PrepublishedAot.WaitAsync(Folder, "aot-worker", TimeSpan.FromSeconds(2)));
        Assert.Contains("Generating native code", e.Message, StringComparison.Ordinal);
    }

    private async Task PrepublishAsync(bool failWorker)
    {
        var path = Path.Combine(_root, "fake-bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        var run = await ChildProcess.RunAsync(Path.Combine(_root, "scripts", "aot-prepublish.sh"), [Folder], TimeSpan.FromSeconds(60),
            ("PATH", path), ("FAIL_WORKER", failWorker ? "1" : ""), ("ArtifactsPath", ""));
        Assert.True(run.ExitCode == 0, $"aot-prepublish.sh exited {run.ExitCode}:\n{run.Output}\n{run.Errors}");
    }

    private static void Executable(string path, string body)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
