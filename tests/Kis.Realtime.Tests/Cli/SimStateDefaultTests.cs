using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 76 (9): two `kisrt sim` of one user, neither naming a state file, both run: the second keeps its state in the
/// next free default file and says so. Failed before: the second exited 3 (the one default file's lock was held), as
/// the project's own tools/kis-samples script did while another simulator ran.
/// </summary>
public sealed class SimStateDefaultTests
{
    [Fact]
    public async Task A_second_simulator_of_the_same_user_takes_the_next_default_state_file()
    {
        var home = CliTestKit.EmptyDirectory();
        var variables = new Dictionary<string, string> { ["XDG_DATA_HOME"] = home };
        using var first = KisrtProcess.Start(null, variables, "sim", "--pace", "off");
        var firstState = await first.WaitForLineAsync(IsStateLine);
        using var second = KisrtProcess.Start(null, variables, "sim", "--pace", "off");
        var secondState = await second.WaitForLineAsync(IsStateLine);

        Assert.Contains(Path.Combine(home, "kisrt", "sim-state.json"), firstState, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(home, "kisrt", "sim-state-2.json"), secondState, StringComparison.Ordinal);
        Assert.Contains("sim-state.json is in use by another simulator", second.Errors, StringComparison.Ordinal);

        // The first one stopped, a third start takes the first file again (its lock is free), continuing its day.
        await first.InterruptAsync();
        Assert.Equal(0, await first.WaitForExitAsync());
        using var third = KisrtProcess.Start(null, variables, "sim", "--pace", "off");
        var thirdState = await third.WaitForLineAsync(IsStateLine);
        Assert.Contains(Path.Combine(home, "kisrt", "sim-state.json") + " (continued", thirdState, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_state_file_in_use_is_still_refused()
    {
        var file = Path.Combine(CliTestKit.EmptyDirectory(), "mine.json");
        using var first = KisrtProcess.Start(null, "sim", "--pace", "off", "--state-file", file);
        await first.WaitForLineAsync(IsStateLine);
        using var second = KisrtProcess.Start(null, "sim", "--pace", "off", "--state-file", file);

        Assert.Equal(3, await second.WaitForExitAsync());
        Assert.Contains("is in use by another simulator", second.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_default_state_file_taken_between_the_look_and_the_open_moves_on_to_the_next()
    {
        // Two `kisrt sim` started in the same instant both see sim-state.json free; the first to open it holds it.
        // Failed before: the later one exited 3 ("in use by another simulator") where one started a moment later ran.
        var path = Path.Combine(CliTestKit.EmptyDirectory(), "sim-state.json");
        var status = new StringWriter();
        var chosen = SimCommand.FirstFreeStateFile(path, status);
        Assert.Equal(path, chosen);
        await using var other = await KisSimulator.StartAsync(Quiet(path)).WaitAsync(CliTestKit.CliTimeout);

        await using var sim = await SimCommand.StartAsync(Quiet(chosen), path, status, default).WaitAsync(CliTestKit.CliTimeout);

        Assert.Contains(Path.Combine(Path.GetDirectoryName(path)!, "sim-state-2.json"), sim.StateDescription, StringComparison.Ordinal);
        Assert.Contains("sim-state.json was taken by another simulator", status.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_state_file_taken_at_the_open_is_still_refused()
    {
        var path = Path.Combine(CliTestKit.EmptyDirectory(), "mine.json");
        await using var other = await KisSimulator.StartAsync(Quiet(path)).WaitAsync(CliTestKit.CliTimeout);
        await Assert.ThrowsAsync<KisSimulatorStateException>(() => SimCommand.StartAsync(Quiet(path), null, TextWriter.Null, default));
    }

    private static SimulatorOptions Quiet(string stateFile) => SimulatorOptions.Default with { Pace = MarketPace.Off, StateFile = stateFile };

    private static bool IsStateLine(string line) => line.TrimStart().StartsWith("venue state", StringComparison.Ordinal);
}
