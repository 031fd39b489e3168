using Kis.Realtime.Tests.Gateway;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// When <c>scripts/kisrt.sh</c> (the README's run command) publishes its native kisrt again: after any change to what the
/// build reads — a file edited, added, removed or renamed — and never otherwise. A removed or renamed file leaves every
/// remaining time older than the last publish, so a check on times alone kept running a kisrt built with the file.
/// Run on a copy of the script in a clone of its own, with a <c>dotnet</c> that only writes a kisrt that prints its
/// build number, so each case takes milliseconds, not the minutes of a real publish (NativeKisrtTests does one, and asks
/// the script on the real clone with KISRT_CHECK=1 whether it would publish again).
/// </summary>
public sealed class RunScriptStalenessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kisrt-run-script-").FullName;

    public RunScriptStalenessTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "scripts"));
        File.Copy(Path.Combine(ReadmeSamples.RepositoryRoot(), "scripts", "kisrt.sh"), Script);
        Executable(Path.Combine(_root, "scripts", "aot.sh"), "exit 0");
        // The stand-in publish: a kisrt that prints how many publishes there have been.
        Executable(Path.Combine(_root, "fake-bin", "dotnet"), """
            out=; while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
            n=$(( $(cat "$(dirname "$0")/count" 2>/dev/null || echo 0) + 1 )); echo $n > "$(dirname "$0")/count"
            mkdir -p "$out"; printf '#!/bin/sh\necho build %s\n' $n > "$out/kisrt"; chmod +x "$out/kisrt"
            """);
        Write("src/Lib/A.cs", "a");
        Write("src/Lib/B.cs", "b");
        Write("samples/S/Program.cs", "s");
        Write("global.json", "{}");
    }

    private string Script => Path.Combine(_root, "scripts", "kisrt.sh");

    [Fact]
    public async Task Publishes_once_then_starts_the_native_file()
    {
        Assert.Equal("build 1", await RunAsync(publishes: true));
        Assert.Equal("current", await CheckAsync());
        Assert.Equal("build 1", await RunAsync(publishes: false));
    }

    public static TheoryData<string> Changes => new() { "edited", "added", "removed", "renamed", "removed from samples" };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task Publishes_anew_after_a_source_change(string change)
    {
        Assert.Equal("build 1", await RunAsync(publishes: true));
        var stamp = Path.Combine(_root, "bin", "kisrt", "published-from");
        var published = File.GetLastWriteTimeUtc(stamp);
        // Every file older than the publish: only the change itself can mark the build stale.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_root, "src"), "*", SearchOption.AllDirectories)
                     .Concat(Directory.EnumerateFiles(Path.Combine(_root, "samples"), "*", SearchOption.AllDirectories)))
            File.SetLastWriteTimeUtc(file, published.AddMinutes(-10));
        switch (change)
        {
            case "edited": // written after the publish began
                Write("src/Lib/A.cs", "a2");
                break;
            case "added": // with an older time, as a checkout or an unpacked archive leaves it
                Write("src/Lib/C.cs", "c");
                File.SetLastWriteTimeUtc(Path.Combine(_root, "src/Lib/C.cs"), published.AddMinutes(-10));
                break;
            case "removed": File.Delete(Path.Combine(_root, "src/Lib/B.cs")); break;
            case "renamed": File.Move(Path.Combine(_root, "src/Lib/B.cs"), Path.Combine(_root, "src/Lib/B2.cs")); break;
            case "removed from samples": File.Delete(Path.Combine(_root, "samples/S/Program.cs")); break;
        }
        Assert.Equal("stale", await CheckAsync());
        Assert.Equal("build 2", await RunAsync(publishes: true));
        Assert.Equal("current", await CheckAsync());
    }

    [Fact]
    public async Task Build_output_under_the_sources_does_not_mark_it_stale()
    {
        Assert.Equal("build 1", await RunAsync(publishes: true));
        Write("src/Lib/obj/Debug/x.dll", "x");
        Write("samples/S/bin/Debug/y.dll", "y");
        Assert.Equal("current", await CheckAsync());
    }

    /// <summary>A run: kisrt's output alone on stdout; the script says on stderr when it publishes, and only then.</summary>
    private async Task<string> RunAsync(bool publishes)
    {
        var run = await ScriptAsync(("KISRT_CHECK", ""));
        Assert.True(run.Errors.Contains(Publishing, StringComparison.Ordinal) == publishes,
            $"expected {(publishes ? "a" : "no")} publish; kisrt.sh said:\n{run.Errors}");
        return run.Output.Trim();
    }

    private async Task<string> CheckAsync() => (await ScriptAsync(("KISRT_CHECK", "1"))).Output.Trim();

    /// <summary>What the script says on stderr when it publishes (as NativeKisrtTests.Publish.Publishing).</summary>
    private const string Publishing = "kisrt.sh: publishing kisrt as a native executable";

    private async Task<ChildProcess.Result> ScriptAsync((string, string) check)
    {
        var path = Path.Combine(_root, "fake-bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        var run = await ChildProcess.RunAsync(Script, [], TimeSpan.FromSeconds(60), check, ("PATH", path), ("KISRT_JIT", ""), ("KISRT_NATIVE_DIR", ""));
        Assert.True(run.ExitCode == 0, $"kisrt.sh exited {run.ExitCode}:\n{run.Output}\n{run.Errors}");
        return run;
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static void Executable(string path, string body)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
