using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Dashboard;

namespace Kis.Realtime.Tests.Cli;

/// <summary>Defects a review of the day's changes found, each pinned by a test that failed before its fix.</summary>
public sealed class ReviewFixTests
{
    [Fact]
    public void A_damaged_order_journal_is_one_line_and_exit_3_not_a_stack_trace()
    {
        // InvalidDataException is not an IOException: kisrt order let it escape Main.
        var failure = CliFailures.Describe(new InvalidDataException("orders/x/20261129.jsonl:3: not a journal line"));
        Assert.NotNull(failure);
        Assert.Equal(3, failure.Value.ExitCode);
        Assert.Contains("20261129.jsonl:3", failure.Value.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stray_screenshot_releases_neither_fill_the_holds_nor_count_as_a_ready_page()
    {
        var holds = new ScreenshotHolds();
        // Releases nobody waits for (a page that was not held, a local script): before, each took a slot for good and
        // the first said "ready".
        for (var i = 0; i < 40; i++) holds.Release($"stray{i}");
        Assert.False(holds.FirstReady.IsCompleted, "a stray release counted as a ready page");
        using var page = new CancellationTokenSource();
        var held = holds.HoldAsync("page1", page.Token);
        Assert.False(held.IsCompleted);
        Assert.True(holds.Release("page1"));
        Assert.True(await held.WaitAsync(TimeSpan.FromSeconds(30)), "the held page was refused");
        Assert.True(holds.FirstReady.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_browser_that_cannot_run_is_a_one_line_run_error()
    {
        var notABrowser = Path.Combine(CliTestKit.EmptyDirectory(), "chromium");
        await File.WriteAllTextAsync(notABrowser, "not a program"); // exists, not executable
        var env = CliTestKit.Env(new() { ["KISRT_CHROMIUM"] = notABrowser });
        var e = await Assert.ThrowsAsync<CliRunException>(() => DashboardCommand.RunAsync(
            new Kis.Realtime.Cli.Commands.ConnectionArgs { SimulatorPace = "50" }, 0, null, env, TextWriter.Null, TextWriter.Null,
            CancellationToken.None, screenshot: Path.Combine(CliTestKit.EmptyDirectory(), "x.png")).WaitAsync(CliTestKit.CliTimeout));
        Assert.Contains("cannot run", e.Message, StringComparison.Ordinal);
    }
}
