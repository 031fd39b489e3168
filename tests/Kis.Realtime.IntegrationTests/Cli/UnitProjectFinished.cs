using System.Diagnostics;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Holds the tests that need the machine to themselves (<see cref="RecordKillTestsCollection"/>: busy cores on purpose,
/// latencies asserted) until the unit project, which <c>scripts/test.sh</c> runs beside this one, has ended. The script
/// names in <c>KISRT_TEST_UNIT_DONE</c> the file it writes when the unit run ends; unset (a plain <c>dotnet test</c>),
/// there is nothing to wait for. xUnit runs this collection after every parallel one, so only the unit project could
/// still share the cores.
/// </summary>
public sealed class UnitProjectFinished : IAsyncLifetime
{
    public const string MarkerVariable = "KISRT_TEST_UNIT_DONE";

    /// <summary>The unit project takes 4–5 minutes on two busy cores; a run still going after this has hung.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(30);

    public async Task InitializeAsync()
    {
        var marker = Environment.GetEnvironmentVariable(MarkerVariable);
        if (string.IsNullOrEmpty(marker)) return;
        var waited = Stopwatch.StartNew();
        while (!File.Exists(marker))
        {
            if (waited.Elapsed > Bound)
                throw new TimeoutException($"the unit project beside this run did not end within {Bound.TotalMinutes} minutes ({marker} not written)");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
