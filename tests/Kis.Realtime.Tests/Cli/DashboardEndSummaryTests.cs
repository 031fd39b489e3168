using Kis.Realtime.Cli.Dashboard;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// `kisrt dashboard --duration` ends with a summary as stream, record and bars do (issue 47, item 5). Failed before:
/// it ended with nothing after its URL line.
/// </summary>
public sealed class DashboardEndSummaryTests
{
    [Fact]
    public async Task Dashboard_with_a_duration_ends_with_what_came_in_and_what_was_lost()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await DashboardCommand.RunAsync(FastSimulator(), 0, TimeSpan.FromSeconds(2), Env(), stdout, stderr, default).WaitAsync(CliTimeout);

        Assert.Equal(0, exit);
        Assert.Matches(@"(?m)^kisrt: dashboard stopped after \d+\.\d s: [\d,]+ records, 0 pages open at the end; dropped 0, unrouted \d+, reconnects 0, " +
            @"decode errors 0, gaps \d+", stderr.ToString());
    }
}
