using Kis.Realtime.Cli;
using Kis.Realtime.Cli.Commands;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 56 (4): <c>kisrt order kill</c> is the kill switch from the command line: every open order of the account is
/// cancelled and reported, and new orders from <c>kisrt order</c> are refused before they are sent until
/// <c>kisrt order resume</c>.
/// </summary>
public sealed class OrderKillTests
{
    private static async Task<(int Exit, string Out, string Err)> OrderAsync(ClientHost.Environment env, string action, string url, OrderArgs args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await KisrtApp.GuardAsync(() => OrderRun.RunAsync(action, new OrderTarget { RestUrl = url }, args, env, new StringReader(""),
            stdout, stderr, CancellationToken.None), stderr).WaitAsync(CliTimeout);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Kill_cancels_every_open_order_reporting_each_and_refuses_new_orders_until_resume()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var url = sim.RestBaseUrl.ToString();
        var env = Env(); // one data folder: the switch outlives each process, as a user's runs share theirs

        var market = await OrderAsync(env, "place", url, new OrderArgs { Code = "005930", Side = "buy", Quantity = 1 });
        Assert.True(market.Exit == 0, market.Out + market.Err);
        var last = JsonLines((await OrderAsync(env, "list", url, new OrderArgs { Format = "jsonl" })).Out).Single().GetProperty("average_price").GetDecimal();
        var price = (long)(last * 0.8m / 1000) * 1000; // far under the market: they rest
        var resting = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            var placed = await OrderAsync(env, "place", url, new OrderArgs { Code = "005930", Side = "buy", Quantity = i, Price = price });
            Assert.True(placed.Exit == 0, placed.Out + placed.Err);
            resting.Add(placed.Out.Split(' ')[1]);
        }

        var kill = await OrderAsync(env, "kill", url, new OrderArgs());

        Assert.True(kill.Exit == 0, kill.Out + kill.Err);
        foreach (var number in resting) Assert.Contains($"cancel {number} (005930 buy ", kill.Out, StringComparison.Ordinal);
        Assert.Equal(3, kill.Out.Split('\n').Count(l => l.StartsWith("cancel ", StringComparison.Ordinal)
            && l.Contains(": accepted ", StringComparison.Ordinal)));
        Assert.Contains("3 open order(s), 3 cancelled, 0 refused, 0 unknown", kill.Out, StringComparison.Ordinal);
        var open = await OrderAsync(env, "list", url, new OrderArgs { Filter = "unfilled" });
        Assert.EndsWith("0 order(s)", open.Out.TrimEnd());

        // While the switch is on, a new order is the guard's refusal (exit 1) and never reaches the server.
        var ordersBefore = JsonLines((await OrderAsync(env, "list", url, new OrderArgs { Format = "jsonl" })).Out).Count;
        var refused = await OrderAsync(env, "place", url, new OrderArgs { Code = "005930", Side = "buy", Quantity = 1, Price = price });
        Assert.True(refused.Exit == 1, refused.Out + refused.Err);
        Assert.Contains("RISK_KillSwitch", refused.Out, StringComparison.Ordinal);
        Assert.Contains("`kisrt order resume` turns it off", refused.Err, StringComparison.Ordinal);
        Assert.Equal(ordersBefore, JsonLines((await OrderAsync(env, "list", url, new OrderArgs { Format = "jsonl" })).Out).Count);

        var resume = await OrderAsync(env, "resume", url, new OrderArgs());
        Assert.Equal(0, resume.Exit);
        var again = await OrderAsync(env, "place", url, new OrderArgs { Code = "005930", Side = "buy", Quantity = 1, Price = price });
        Assert.True(again.Exit == 0, again.Out + again.Err);
    }

    [Fact]
    public async Task Kill_with_nothing_open_says_so_and_another_account_is_not_stopped()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var url = sim.RestBaseUrl.ToString();
        var env = Env();

        var kill = await OrderAsync(env, "kill", url, new OrderArgs());
        Assert.True(kill.Exit == 0, kill.Out + kill.Err);
        Assert.Contains("0 open order(s), 0 cancelled", kill.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(OrderKill.FileOf(env, KisAccount.Parse("50123456-01"))));
        Assert.False(File.Exists(OrderKill.FileOf(env, KisAccount.Parse("50999999-01"))));
    }
}
