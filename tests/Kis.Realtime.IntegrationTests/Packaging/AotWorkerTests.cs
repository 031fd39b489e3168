using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Gateway;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// Publishes tests/Kis.Realtime.AotWorker with Native AOT (the libraries' trim/AOT warnings are errors there) and runs
/// it against the in-process simulator with the settings in <c>Kis__*</c> environment variables. Publishing takes
/// minutes: a developer may skip it with KISRT_SKIP_AOT=1 outside CI. Needs clang and zlib1g-dev (scripts/aot.sh,
/// which scripts/test.sh runs).
/// </summary>
[Collection(nameof(NativeAotCollection))]
public class AotWorkerTests
{
    [AotFact]
    public async Task A_native_aot_worker_using_AddKisRealtime_streams_from_the_simulator()
    {
        var project = Path.Combine(ReadmeSamples.RepositoryRoot(), "tests", "Kis.Realtime.AotWorker", "Kis.Realtime.AotWorker.csproj");
        // Under scripts/test.sh, the publish it started in the background (PrepublishedAot), left to it; else one of its own.
        var prepublished = PrepublishedAot.Folder;
        var output = prepublished is null
            ? Path.Combine(Path.GetTempPath(), $"kisrt-aot-{Guid.NewGuid():N}")
            : Path.Combine(prepublished, "aot-worker");
        try
        {
            var publish = prepublished is null
                ? await ChildProcess.RunAsync("dotnet", ["publish", project, "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo"],
                    PrepublishedAot.Timeout)
                : await PrepublishedAot.WaitAsync(prepublished, "aot-worker", PrepublishedAot.Timeout);
            Assert.True(publish.ExitCode == 0, $"publish failed:\n{publish.Output}\n{publish.Errors}");
            Assert.DoesNotContain("warning IL", publish.Output);
            var worker = Path.Combine(output, "Kis.Realtime.AotWorker");
            Assert.True(File.Exists(worker), "no native executable");
            Assert.False(File.Exists(Path.Combine(output, "Kis.Realtime.dll")), "published as IL, not native");

            await using var sim = await StartSimAsync();
            var run = await ChildProcess.RunAsync(worker, [], TimeSpan.FromSeconds(60),
                ("Kis__AppKey", SimulatorOptions.DefaultAppKey),
                ("Kis__AppSecret", SimulatorOptions.DefaultAppSecret),
                ("Kis__WebSocketUrl", sim.WebSocketUrl.ToString()),
                ("Kis__RestBaseUrl", sim.RestBaseUrl.ToString()),
                ("Logging__LogLevel__Default", "Warning"));
            Assert.True(run.ExitCode == 0, $"worker exited {run.ExitCode}:\n{run.Output}\n{run.Errors}");
            Assert.Equal(3, run.Output.Split('\n').Count(l => l.StartsWith("tick ", StringComparison.Ordinal)));
            Assert.DoesNotContain(SimulatorOptions.DefaultAppSecret, run.Output + run.Errors);
        }
        finally
        {
            if (prepublished is null && Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }
}

/// <summary>A fact that publishes with Native AOT: skipped only when a developer sets KISRT_SKIP_AOT=1 outside CI.</summary>
internal sealed class AotFactAttribute : FactAttribute
{
    public AotFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("KISRT_SKIP_AOT") == "1" && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = "KISRT_SKIP_AOT=1: the Native AOT publish test is skipped (run scripts/aot.sh, then the test, to run it)";
    }
}
