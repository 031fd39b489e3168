using System.Diagnostics;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// The README's "The library" commands, run once for the test process (minutes: a Release build and pack of every
/// package), in a copy of the checkout's files with a home folder of its own: no NuGet cache and no user NuGet.Config,
/// as on a fresh machine (a cached package of the same version would otherwise hide the one just packed). A copy, not
/// the checkout: the pack restores with that home, and doing so in the checkout itself would point its obj/ folders at
/// a package folder the tests delete, under every build that follows in the same test run. Shared by
/// <see cref="PackageConsumerTests"/> (which goes on from the app the commands left) and
/// <see cref="PackageValidationTests"/> (the pack validated every library package against its stored last version).
/// </summary>
/// <param name="Home">The home folder the commands ran with; deleted by the consumer test once it passed, or at exit.</param>
/// <param name="Root">The copy of the checkout.</param>
/// <param name="App">The folder the README's commands ended in: the new console app.</param>
/// <param name="Output">What the commands printed (scripts/pack.sh names each package it wrote).</param>
/// <param name="Baselines">The stored last versions (package-baseline/) the copy held as it packed.</param>
internal sealed record PackedClone(string Home, string Root, string App, string Output, IReadOnlyList<string> Baselines)
{
    /// <summary>How long one command may take (a cold restore and Release build on a loaded machine).</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(20);

    /// <summary>
    /// The folder of scripts/package-prepack.sh, which scripts/test.sh starts in the background as the suite begins: the
    /// same commands in the same kind of copy, done while the builds run. Unset (a plain <c>dotnet test</c>), the first
    /// test to ask does them itself.
    /// </summary>
    public const string Variable = "KISRT_TEST_PREPACKED";

    /// <summary>How long a test waits for the background pack (a cold Release build at the lowest priority, busy cores).</summary>
    public static readonly TimeSpan PrepackTimeout = TimeSpan.FromMinutes(30);

    private static readonly Lazy<Task<PackedClone>> Shared = new(() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? FromPrepackAsync(folder, PrepackTimeout) : CreateAsync());

    /// <summary>The shared clone, made by the first caller; a failure is every caller's.</summary>
    public static Task<PackedClone> GetAsync() => Shared.Value;

    /// <summary>
    /// What scripts/package-prepack.sh left in <paramref name="folder"/> once it ends: a failed pack fails the caller
    /// with its output and log; commands other than the README's (the script's copy of the block went stale) too.
    /// </summary>
    public static async Task<PackedClone> FromPrepackAsync(string folder, TimeSpan timeout)
    {
        var run = await BackgroundStep.WaitAsync(folder, "library", "scripts/package-prepack.sh", "the library pack", timeout);
        Assert.True(run.ExitCode == 0, $"the README's library commands (scripts/package-prepack.sh) failed ({run.ExitCode}):\n{run.Output}{run.Errors}");
        Assert.True(ReadmeSamples.Commands().TryGetValue("library", out var commands), "README.md has no <!-- commands: library --> block");
        Assert.Equal(commands.TrimEnd('\n'), (await File.ReadAllTextAsync(Path.Combine(folder, "library.commands"))).TrimEnd('\n'));
        var home = Path.Combine(folder, "home");
        return Packed(home, Path.Combine(home, "clone"), run.Output);
    }

    private static async Task<PackedClone> CreateAsync()
    {
        var home = Path.Combine(Path.GetTempPath(), "kis-package-test", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        // Whichever test used it last, and a run whose consumer test failed or was filtered out: nothing left behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { if (Directory.Exists(home)) Directory.Delete(home, recursive: true); }
            catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        var root = await CloneAsync(ReadmeSamples.RepositoryRoot(), Path.Combine(home, "clone"), home);
        Assert.True(ReadmeSamples.Commands().TryGetValue("library", out var commands), "README.md has no <!-- commands: library --> block");

        // The README's block as written, from the clone; `pwd` at its end says where it left the user: the app's folder.
        var output = await Run(root, home, "bash", "-euo", "pipefail", "-c", commands + "\npwd");
        return Packed(home, root, output);
    }

    /// <summary>The clone as the README's commands (<paramref name="output"/>, ending with <c>pwd</c>) left it.</summary>
    private static PackedClone Packed(string home, string root, string output)
    {
        var app = output.TrimEnd().Split('\n')[^1];
        Assert.True(app.StartsWith(home, StringComparison.Ordinal) && Directory.Exists(app), $"the README's commands ended in {app}, not a new folder");
        var baselines = Directory.EnumerateFiles(Path.Combine(root, "package-baseline"), "*.nupkg").Select(Path.GetFileName).OfType<string>().ToList();
        return new PackedClone(home, root, app, output, baselines);
    }

    /// <summary>The checkout's files as git sees them (tracked and untracked, not ignored: no bin/ or obj/), copied.</summary>
    private static async Task<string> CloneAsync(string checkout, string clone, string home)
    {
        var files = (await Run(checkout, home, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")).Split('\0',
            StringSplitOptions.RemoveEmptyEntries);
        foreach (var file in files)
        {
            var from = Path.Combine(checkout, file);
            if (!File.Exists(from)) continue; // deleted in the working tree, not yet in the index
            var to = Path.Combine(clone, file);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(to, File.GetUnixFileMode(from)); // scripts stay executable
        }
        return clone;
    }

    /// <summary>A command as the newcomer types it, with the test's own home folder (fresh NuGet cache and config).</summary>
    public static async Task<string> Run(string directory, string home, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["HOME"] = home;
        foreach (var name in new[] { "NUGET_PACKAGES", "DOTNET_CLI_HOME", "NUGET_HTTP_CACHE_PATH" }) start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StepTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} took longer than {StepTimeout}");
        }
        var output = await stdout;
        var errors = await stderr;
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} in {directory} failed ({process.ExitCode}):\n{output}{errors}");
        return output;
    }
}
