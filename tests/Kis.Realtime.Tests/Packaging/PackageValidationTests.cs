using System.Diagnostics;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// Package validation against the last packed version (the SDK's <c>EnablePackageValidation</c>, which every packed
/// project has on; Directory.Build.targets points it at <c>KisBaselineFeed</c>/<c>KisBaselineVersion</c>). No version
/// is published yet, so the baseline here is the core packed from this checkout: a copy of it packed again passes, and
/// the same copy with one public member made internal fails with CP0002 naming that member. Packs the core three
/// times in a copy of its files (about a minute on 2 cores; KIS_PACKAGE_TEST=0 skips it, as the consumer test).
/// </summary>
public sealed class PackageValidationTests
{
    private const string Member = "Kis.Realtime.KisRealtimeOptions.EffectiveWebSocketUrl";

    [PackageFact]
    public async Task Packing_fails_when_a_public_member_of_the_last_packed_version_is_gone()
    {
        var work = Path.Combine(Path.GetTempPath(), "kis-package-validation", Guid.NewGuid().ToString("N"));
        try
        {
            var copy = CopyCore(ReadmeSamples.RepositoryRoot(), Path.Combine(work, "repo"));
            var project = Path.Combine(copy, "src", "Kis.Realtime", "Kis.Realtime.csproj");
            var baseline = Path.Combine(work, "baseline");
            var (packed, packOutput) = await Pack(project, baseline);
            Assert.True(packed, packOutput);

            var (unchanged, unchangedOutput) = await Pack(project, Path.Combine(work, "unchanged"), baseline);
            Assert.True(unchanged, $"the same API against itself failed validation:\n{unchangedOutput}");

            // A public member removed from the surface (and from PublicAPI.*.txt, as a deliberate removal is): the
            // analyzer is satisfied, package validation is not.
            var options = Path.Combine(copy, "src", "Kis.Realtime", "KisRealtimeOptions.cs");
            await Replace(options, "    public Uri EffectiveWebSocketUrl =>", "    internal Uri EffectiveWebSocketUrl =>");
            var shipped = Path.Combine(copy, "src", "Kis.Realtime", "PublicAPI.Shipped.txt");
            await Replace(shipped, Member + ".get -> System.Uri!\n", "");

            var (removed, removedOutput) = await Pack(project, Path.Combine(work, "removed"), baseline);
            Assert.False(removed, "packing without a public member of the baseline passed validation");
            Assert.Contains("CP0002", removedOutput, StringComparison.Ordinal);
            Assert.Contains("EffectiveWebSocketUrl", removedOutput, StringComparison.Ordinal);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task Replace(string path, string from, string to)
    {
        var text = await File.ReadAllTextAsync(path);
        Assert.Contains(from, text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    /// <summary>The files the core packs from: the root's build files and src/Kis.Realtime (no bin/ or obj/).</summary>
    private static string CopyCore(string root, string to)
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "LICENSE" })
            CopyFile(Path.Combine(root, file), Path.Combine(to, file));
        var core = Path.Combine(root, "src", "Kis.Realtime");
        foreach (var file in Directory.EnumerateFiles(core, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(core, file).Replace('\\', '/');
            if (relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal)) continue;
            CopyFile(file, Path.Combine(to, "src", "Kis.Realtime", relative));
        }
        return to;
    }

    private static void CopyFile(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to);
    }

    /// <summary>dotnet pack into <paramref name="output"/>, validated against <paramref name="baseline"/>'s package when given.</summary>
    private static async Task<(bool Succeeded, string Output)> Pack(string project, string output, string? baseline = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "pack", project, "-c", "Release", "-o", output, "--nologo", "-v", "q", "-clp:ErrorsOnly", "-p:IncludeSymbols=false" })
            start.ArgumentList.Add(a);
        if (baseline is not null)
        {
            start.ArgumentList.Add("-p:KisBaselineFeed=" + baseline);
            start.ArgumentList.Add("-p:KisBaselineVersion=" + PackedVersion(baseline));
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet pack {project} took longer than 15 minutes");
        }
        return (process.ExitCode == 0, await stdout + await stderr);
    }

    /// <summary>The version of the one core package in <paramref name="feed"/> (Kis.Realtime.&lt;version&gt;.nupkg).</summary>
    private static string PackedVersion(string feed)
        => Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(feed, "Kis.Realtime.*.nupkg")))["Kis.Realtime.".Length..];
}
