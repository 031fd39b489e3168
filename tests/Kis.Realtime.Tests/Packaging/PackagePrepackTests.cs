using Kis.Realtime.Tests.Gateway;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// scripts/package-prepack.sh (the README's library commands that scripts/test.sh starts in the background) and the
/// tests' reading of it (<see cref="PackedClone.FromPrepackAsync"/>): the clone it leaves reads as the tests' own, and a
/// failed pack fails the waiting test with its log. Run in a repository of its own (the README and the two scripts,
/// copied) with a stand-in <c>dotnet</c>: a second, not the minutes of a pack.
/// </summary>
public sealed class PackagePrepackTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kisrt-package-prepack-").FullName;

    public PackagePrepackTests()
    {
        var checkout = ReadmeSamples.RepositoryRoot();
        foreach (var file in new[] { "README.md", "scripts/pack.sh", "scripts/package-prepack.sh" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_root, file))!);
            File.Copy(Path.Combine(checkout, file), Path.Combine(_root, file));
        }
        Directory.CreateDirectory(Path.Combine(_root, "package-baseline"));
        File.WriteAllText(Path.Combine(_root, "package-baseline", "Kis.Realtime.1.0.0.nupkg"), "baseline");
        File.WriteAllText(Path.Combine(_root, ".gitignore"), "ignored.txt\n");
        File.WriteAllText(Path.Combine(_root, "ignored.txt"), "a build output");
        File.WriteAllText(Path.Combine(_root, "untracked.txt"), "a new file not yet added");
        Git("init", "-q");
        Git("add", "README.md", "scripts", "package-baseline", ".gitignore");
        // The stand-in dotnet: `pack` writes a package into -o (or fails on FAIL_PACK), `new console -o NAME` makes NAME.
        Executable(Path.Combine(_root, "fake-bin", "dotnet"), """
            out=; prev=; for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done
            case "$1 $2" in
              pack*) [ -n "${FAIL_PACK:-}" ] && { echo "x.csproj(1,1): error CS0246: the core is broken"; exit 1; }
                     echo "Successfully created package '$out/Kis.Realtime.9.9.9.nupkg'."; touch "$out/Kis.Realtime.9.9.9.nupkg" ;;
              "new console") mkdir -p "$out" ;;
            esac
            exit 0
            """);
    }

    private string Folder => Path.Combine(_root, "prepacked");

    [Fact]
    public async Task The_clone_it_leaves_reads_as_the_tests_own_pack()
    {
        await PrepackAsync(failPack: false);

        var clone = await PackedClone.FromPrepackAsync(Folder, TimeSpan.FromMinutes(1));
        Assert.Equal(Path.Combine(Folder, "home"), clone.Home);
        Assert.Equal(Path.Combine(Folder, "home", "KisHello"), clone.App);
        Assert.Contains("pack: Kis.Realtime.9.9.9.nupkg", clone.Output, StringComparison.Ordinal);
        Assert.Equal(["Kis.Realtime.1.0.0.nupkg"], clone.Baselines);
        // The checkout as git sees it: tracked and untracked files, scripts still executable, nothing ignored.
        Assert.True(File.Exists(Path.Combine(clone.Root, "untracked.txt")), "the untracked file was not copied");
        Assert.False(File.Exists(Path.Combine(clone.Root, "ignored.txt")), "an ignored file was copied");
        if (!OperatingSystem.IsWindows())
            Assert.True(File.GetUnixFileMode(Path.Combine(clone.Root, "scripts", "pack.sh")).HasFlag(UnixFileMode.UserExecute), "pack.sh lost its mode");
        Assert.True(File.Exists(Path.Combine(clone.Root, "artifacts", "Kis.Realtime.9.9.9.nupkg")), "the pack did not run in the clone");
    }

    [Fact]
    public async Task A_failed_pack_fails_the_waiting_test_with_its_log()
    {
        await PrepackAsync(failPack: true);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => PackedClone.FromPrepackAsync(Folder, TimeSpan.FromMinutes(1)));
        Assert.Contains("scripts/package-prepack.sh) failed", e.Message, StringComparison.Ordinal);
        Assert.Contains("error CS0246: the core is broken", e.Message, StringComparison.Ordinal);
    }

    private async Task PrepackAsync(bool failPack)
    {
        var path = Path.Combine(_root, "fake-bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        var run = await ChildProcess.RunAsync(Path.Combine(_root, "scripts", "package-prepack.sh"), [Folder], TimeSpan.FromSeconds(60),
            ("PATH", path), ("FAIL_PACK", failPack ? "1" : ""));
        Assert.True(run.ExitCode == 0, $"package-prepack.sh exited {run.ExitCode}:\n{run.Output}\n{run.Errors}");
    }

    private void Git(params string[] arguments)
    {
        using var git = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", ["-C", _root, .. arguments]))!;
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);
    }

    private static void Executable(string path, string body)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
