using Kis.Realtime.Cli.Hosting;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 56 (7): a native <c>kisrt backtest</c> runs itself once more with a 64 MiB gen0 budget (the 1 MB of kisrt's
/// runtime settings is for <c>kisrt stream</c>); only a backtest, only native, and never over a budget the user set.
/// </summary>
public sealed class BacktestGcBudgetTests
{
    [Fact]
    public void A_native_backtest_without_a_budget_of_its_own_runs_again_with_the_larger_budget()
    {
        Assert.True(BacktestGcBudget.Applies(["backtest", "--replay", "day"], budgetSet: null, native: true));
        Assert.Equal("0x4000000", BacktestGcBudget.Budget);
        Assert.Equal(64 * 1024 * 1024, Convert.ToInt64(BacktestGcBudget.Budget, 16));
    }

    [Theory]
    [InlineData("stream", null, true)] // other commands keep the 1 MB budget
    [InlineData("decode", null, true)]
    [InlineData("backtest", "0x100000", true)] // the user's own budget is left as it is (and the child is never re-run)
    [InlineData("backtest", null, false)] // dotnet kisrt.dll: a second start would cost more than it saves
    public void Anything_else_runs_as_it_was_started(string command, string? budgetSet, bool native)
    {
        Assert.False(BacktestGcBudget.Applies([command, "--replay", "day"], budgetSet, native));
    }

    [Fact]
    public void Help_is_not_run_twice()
    {
        Assert.False(BacktestGcBudget.Applies(["backtest", "--help"], budgetSet: null, native: true));
        Assert.False(BacktestGcBudget.Applies([], budgetSet: null, native: true));
    }
}
