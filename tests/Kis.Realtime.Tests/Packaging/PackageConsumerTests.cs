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
/// What a user does: packs the library, hosting and simulator packages into a local folder, creates a console project
/// outside the repository that references them from that folder, builds each README sample as its Program.cs, runs the
/// console sample against a simulator exactly as the README says (KIS_WS_URL, KIS_REST_URL and the credentials it
/// prints) until Ctrl+C, and runs the simulator sample (AddKisRealtime + the in-process simulator) until it prints its
/// five ticks.
/// </summary>
public class PackageConsumerTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    [PackageFact]
    public async Task Packed_packages_restore_from_a_folder_and_the_readme_samples_build_and_stream()
    {
        var root = ReadmeSamples.RepositoryRoot();
        var work = Path.Combine(Path.GetTempPath(), "kis-package-test", Guid.NewGuid().ToString("N"));
        var feed = Path.Combine(work, "feed");
        var app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        // A version of its own: the machine's package cache never serves an older build under the same number.
        var version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";

        foreach (var project in new[] { "Kis.Realtime", "Kis.Realtime.Extensions.Hosting", "Kis.Realtime.Simulator" })
            await Dotnet(root, "pack", Path.Combine("src", project), "-c", "Release", "-o", feed, $"-p:Version={version}");
        foreach (var id in new[] { "Kis.Realtime", "Kis.Realtime.Extensions.Hosting", "Kis.Realtime.Simulator" })
            AssertPackageMetadata(feed, id, version);

        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Kis.Realtime.Extensions.Hosting" Version="{version}" />
                <PackageReference Include="Kis.Realtime.Simulator" Version="{version}" />
              </ItemGroup>
            </Project>
            """);

        var samples = ReadmeSamples.Load();
        foreach (var name in new[] { "console", "hosting", "simulator" })
        {
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), samples[name]);
            await Dotnet(app, "build", "-c", "Release");
            if (name == "console") await RunConsoleSampleAgainstASimulatorAsync(app);
        }

        var output = await Dotnet(app, "run", "-c", "Release", "--no-build");
        var ticks = output.Split('\n').Where(l => Regex.IsMatch(l, @"^\d\d:\d\d:\d\d [\d,]+\.\d\d\s*$")).ToList();
        Assert.Equal(5, ticks.Count);
        Directory.Delete(work, recursive: true);
    }

    /// <summary>
    /// The README's console sample with only the environment it names: it prints KOSPI ticks, and Ctrl+C (SIGINT) ends
    /// it cleanly (exit 0, nothing on standard error).
    /// </summary>
    private static async Task RunConsoleSampleAgainstASimulatorAsync(string app)
    {
        await using var sim = await Kis.Realtime.Simulator.KisSimulator.StartAsync(Kis.Realtime.Simulator.SimulatorOptions.Default with
        {
            Pace = Kis.Realtime.Simulator.MarketPace.PerSecond(50),
        });
        // Through env --default-signal: a test host started in the background of a non-interactive shell ignores SIGINT,
        // and a child inherits that (the sample would never see its Ctrl+C).
        var start = new ProcessStartInfo("env") { WorkingDirectory = app, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", Path.Combine(app, "bin", "Release", "net10.0", "app.dll") }) start.ArgumentList.Add(a);
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
            await Task.WhenAny(threeTicks.Task, process.WaitForExitAsync()).WaitAsync(StepTimeout);
            Assert.True(threeTicks.Task.IsCompleted, $"the console sample ended after {lines.Count} lines:\n{errors}");
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                await kill.WaitForExitAsync().WaitAsync(StepTimeout);
            await process.WaitForExitAsync().WaitAsync(StepTimeout);
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
    }

    private static async Task<string> Dotnet(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
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
            throw new TimeoutException($"dotnet {string.Join(' ', args)} took longer than {StepTimeout}");
        }
        var text = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} in {directory} failed ({process.ExitCode}):\n{text}");
        return text;
    }
}
