using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// Part of the suite (CI included): it packs and builds from scratch, 30 s to two minutes. KIS_PACKAGE_TEST=0 skips it
/// for a quick local run.
/// </summary>
public sealed class PackageFactAttribute : FactAttribute
{
    public PackageFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("KIS_PACKAGE_TEST") == "0")
            Skip = "KIS_PACKAGE_TEST=0: the package consumer test (packs and builds a consumer project, minutes) is skipped.";
    }
}

/// <summary>
/// What a newcomer does, word for word: runs the README's "The library" commands from the checkout's root (scripts/pack.sh into
/// a local feed, a new console app that takes that feed as a package source, <c>dotnet add package Kis.Realtime</c>),
/// then builds each README sample as its Program.cs with only the packages its first lines name, runs the console
/// sample against a simulator exactly as the README says (KIS_WS_URL, KIS_REST_URL and the credentials it prints)
/// until Ctrl+C, and builds and runs docs/library.md's hosting and simulator samples. The commands run once for the
/// test process, in a copy of the checkout with a home folder of their own (<see cref="PackedClone"/>, whose pack
/// <see cref="PackageValidationTests"/> shares).
/// </summary>
public class PackageConsumerTests
{
    [PackageFact]
    public async Task The_readmes_library_path_works_as_written_from_a_clone()
    {
        var clone = await PackedClone.GetAsync();
        var (home, root, app) = (clone.Home, clone.Root, clone.App);
        var version = System.Xml.Linq.XDocument.Load(Path.Combine(root, "Directory.Build.props")).Descendants("Version").Single().Value;
        foreach (var id in PackListTests.PackedIds())
            AssertPackageMetadata(Path.Combine(root, "artifacts"), id, version);

        var project = Directory.GetFiles(app, "*.csproj").Single();
        var asTheReadmeLeftIt = await File.ReadAllTextAsync(project);
        var dll = Path.Combine(app, "bin", "Debug", "net10.0", Path.GetFileNameWithoutExtension(project) + ".dll");
        var samples = ReadmeSamples.Load();
        foreach (var name in ReadmeSamples.InReadme())
        {
            // Only what the README's commands and the sample's own lines add: a sample that needs an unnamed package fails.
            await File.WriteAllTextAsync(project, asTheReadmeLeftIt);
            var packages = Regex.Matches(samples[name], @"^// dotnet add package (?<id>\S+)$",
                RegexOptions.Multiline).Select(m => m.Groups["id"].Value).ToList();
            Assert.True(packages.Count > 0, $"README sample '{name}' does not name its packages (// dotnet add package ...)");
            foreach (var id in packages) await PackedClone.Run(app, home, "dotnet", "add", "package", id);
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), samples[name]);
            await PackedClone.Run(app, home, "dotnet", "build");
            if (name == "console") await RunConsoleSampleAgainstASimulatorAsync(app, dll);
        }

        // docs/library.md: a worker with AddKisRealtime, and the in-process simulator (both packages, as that page adds them).
        foreach (var id in new[] { "Kis.Realtime.Extensions.Hosting", "Kis.Realtime.Simulator" })
            await PackedClone.Run(app, home, "dotnet", "add", "package", id);
        foreach (var name in new[] { "hosting", "simulator" })
        {
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), samples[name]);
            await PackedClone.Run(app, home, "dotnet", "build");
        }
        var output = await PackedClone.Run(app, home, "dotnet", dll);
        var ticks = output.Split('\n').Where(l => Regex.IsMatch(l, @"^\d\d:\d\d:\d\d [\d,]+\.\d\d\s*$")).ToList();
        Assert.Equal(5, ticks.Count);
        Directory.Delete(home, recursive: true);
    }

    /// <summary>
    /// The README's console sample with only the environment it names: it prints KOSPI ticks, and Ctrl+C (SIGINT) ends
    /// it cleanly (exit 0, nothing on standard error).
    /// </summary>
    private static async Task RunConsoleSampleAgainstASimulatorAsync(string app, string dll)
    {
        await using var sim = await Kis.Realtime.Simulator.KisSimulator.StartAsync(Kis.Realtime.Simulator.SimulatorOptions.Default with
        {
            Pace = Kis.Realtime.Simulator.MarketPace.PerSecond(50),
        });
        // Through env --default-signal: a test host started in the background of a non-interactive shell ignores SIGINT,
        // and a child inherits that (the sample would never see its Ctrl+C).
        var start = new ProcessStartInfo("env") { WorkingDirectory = app, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", dll }) start.ArgumentList.Add(a);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(name);
        start.Environment["KIS_APP_KEY"] = Kis.Realtime.Simulator.SimulatorOptions.DefaultAppKey;
        start.Environment["KIS_APP_SECRET"] = Kis.Realtime.Simulator.SimulatorOptions.DefaultAppSecret;
        start.Environment["KIS_WS_URL"] = sim.WebSocketUrl.ToString();
        start.Environment["KIS_REST_URL"] = sim.RestBaseUrl.ToString();
        // Both outputs are read by events from the start, so the sample never blocks on a full pipe.
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var errors = new StringBuilder();
        var threeTicks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lines.Enqueue(e.Data);
            if (lines.Count >= 3) threeTicks.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (errors) errors.AppendLine(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Task.WhenAny(threeTicks.Task, process.WaitForExitAsync()).WaitAsync(PackedClone.StepTimeout);
            Assert.True(threeTicks.Task.IsCompleted, $"the console sample ended after {lines.Count} lines:\n{errors}");
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                await kill.WaitForExitAsync().WaitAsync(PackedClone.StepTimeout);
            await process.WaitForExitAsync().WaitAsync(PackedClone.StepTimeout);
            process.WaitForExit(); // the output events have all run
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.All(lines, line => Assert.Matches(@"^\d\d:\d\d:\d\d KOSPI [\d,]+\.\d\d [+-]\d+\.\d\d adv \d+$", line));
        lock (errors) Assert.True(process.ExitCode == 0 && errors.Length == 0, $"Ctrl+C: exit {process.ExitCode}, standard error:\n{errors}");
    }

    /// <summary>Readme, license, repository, description, symbols: what a package page shows.</summary>
    private static void AssertPackageMetadata(string feed, string id, string version)
    {
        Assert.True(File.Exists(Path.Combine(feed, $"{id}.{version}.snupkg")), $"{id}: no symbols package");
        using var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.nupkg"));
        Assert.NotNull(zip.GetEntry("README.md"));
        Assert.NotNull(zip.GetEntry("LICENSE"));
        using var reader = new StreamReader(zip.GetEntry($"{id}.nuspec")!.Open());
        var nuspec = System.Xml.Linq.XDocument.Parse(reader.ReadToEnd());
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Equal(version, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("README.md", Value("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        Assert.False(string.IsNullOrWhiteSpace(Value("tags")));
        Assert.NotNull(metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url"));
        // The siblings are pinned to this exact version: they share plumbing (docs/development.md, "Packages and plumbing").
        var siblings = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Where(e => e.Attribute("id")!.Value.StartsWith("Kis.Realtime", StringComparison.Ordinal)).ToList();
        Assert.All(siblings, d => Assert.Equal($"[{version}]", d.Attribute("version")!.Value));
    }
}
