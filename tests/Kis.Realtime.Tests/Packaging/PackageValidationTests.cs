using Kis.Realtime.Tests.Gateway;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// Package validation against the last packed version (the SDK's <c>EnablePackageValidation</c>, which every packed
/// project has on): each library package's last packed version is kept in the repository (package-baseline/, version
/// <c>KisBaselineVersion</c> in Directory.Build.props) and Directory.Build.targets points every pack at it. Packing as it
/// is passes: the README's pack of every package, which <see cref="PackageConsumerTests"/> shares (<see cref="PackedClone"/>).
/// In a copy of the core's files, packing the core with one public member made internal fails with CP0002 naming that
/// member (a pack of the core alone: about a minute on 2 cores; KIS_PACKAGE_TEST=0 skips it, as the consumer test).
/// </summary>
public sealed class PackageValidationTests
{
    private const string Member = "Kis.Realtime.KisRealtimeOptions.EffectiveWebSocketUrl";

    [Fact]
    public void Every_library_package_has_its_last_packed_version_in_the_repository()
    {
        var root = ReadmeSamples.RepositoryRoot();
        var version = BaselineVersion(root);
        var packages = Libraries(root);
        Assert.Equal(8, packages.Count);
        var missing = packages.Where(id => !File.Exists(Path.Combine(root, "package-baseline", $"{id}.{version}.nupkg"))).ToList();
        Assert.True(missing.Count == 0, $"no package-baseline/<id>.{version}.nupkg for {string.Join(", ", missing)}");
    }

    [PackageFact]
    public async Task Packing_validates_against_the_stored_last_version_and_fails_when_a_public_member_is_gone()
    {
        // Unchanged: scripts/pack.sh in a clone (PackedClone) packed every package, each validated against the stored
        // last version the clone held (a failed validation fails the pack, and with it GetAsync).
        var root = ReadmeSamples.RepositoryRoot();
        var version = BaselineVersion(root);
        var packed = await PackedClone.GetAsync();
        foreach (var id in Libraries(root))
        {
            Assert.Contains($"{id}.{version}.nupkg", packed.Baselines);
            Assert.Matches($@"(?m)^pack: {System.Text.RegularExpressions.Regex.Escape(id)}\.\d+\.\d+\.\d+\S*\.nupkg ", packed.Output);
        }

        var work = Path.Combine(Path.GetTempPath(), "kis-package-validation", Guid.NewGuid().ToString("N"));
        try
        {
            var copy = CopyCore(root, Path.Combine(work, "repo"));
            var project = Path.Combine(copy, "src", "Kis.Realtime", "Kis.Realtime.csproj");

            // A public member removed from the surface (and from PublicAPI.*.txt, as a deliberate removal is): the
            // analyzer is satisfied, package validation against the stored version is not.
            var options = Path.Combine(copy, "src", "Kis.Realtime", "KisRealtimeOptions.cs");
            await Replace(options, "    public Uri EffectiveWebSocketUrl =>", "    internal Uri EffectiveWebSocketUrl =>");
            var shipped = Path.Combine(copy, "src", "Kis.Realtime", "PublicAPI.Shipped.txt");
            await Replace(shipped, Member + ".get -> System.Uri!\n", "");

            var (removed, removedOutput) = await Pack(project, Path.Combine(work, "removed"));
            Assert.False(removed, "packing without a public member of the stored last version passed validation");
            Assert.Contains("CP0002", removedOutput, StringComparison.Ordinal);
            Assert.Contains("EffectiveWebSocketUrl", removedOutput, StringComparison.Ordinal);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The library packages of src/Kis.Realtime.Packages.slnf: every package but kisrt (a tool, no API).</summary>
    private static List<string> Libraries(string root) =>
        File.ReadAllLines(Path.Combine(root, "src", "Kis.Realtime.Packages.slnf"))
            .Select(line => line.Trim().Trim(',', '"')).Where(l => l.EndsWith(".csproj", StringComparison.Ordinal))
            .Select(l => Path.GetFileNameWithoutExtension(l)).Where(id => id != "Kis.Realtime.Cli").ToList();

    /// <summary>Directory.Build.props's KisBaselineVersion: the version package-baseline/ holds.</summary>
    private static string BaselineVersion(string root)
    {
        var version = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(root, "Directory.Build.props")),
            "<KisBaselineVersion[^>]*>(?<v>[^<]+)</KisBaselineVersion>");
        Assert.True(version.Success, "Directory.Build.props has no KisBaselineVersion");
        return version.Groups["v"].Value;
    }

    private static async Task Replace(string path, string from, string to)
    {
        var text = await File.ReadAllTextAsync(path);
        Assert.Contains(from, text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    /// <summary>The files the core packs from: the root's build files, its stored last version and src/Kis.Realtime (no bin/ or obj/).</summary>
    private static string CopyCore(string root, string to)
    {
        var baseline = Path.Combine("package-baseline", $"Kis.Realtime.{BaselineVersion(root)}.nupkg");
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "LICENSE", baseline })
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

    /// <summary>dotnet pack into <paramref name="output"/>, as scripts/pack.sh does (validated against the stored last version).</summary>
    private static async Task<(bool Succeeded, string Output)> Pack(string project, string output)
    {
        var pack = await ChildProcess.RunAsync("dotnet",
            ["pack", project, "-c", "Release", "-o", output, "--nologo", "-v", "q", "-clp:ErrorsOnly", "-p:IncludeSymbols=false"],
            TimeSpan.FromMinutes(15), ("DOTNET_CLI_TELEMETRY_OPTOUT", "1"), ("DOTNET_NOLOGO", "1"));
        return (pack.ExitCode == 0, pack.Output + pack.Errors);
    }
}
