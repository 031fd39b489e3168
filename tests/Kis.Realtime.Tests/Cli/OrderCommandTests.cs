using Kis.Realtime.Cli;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>Issue 43 (5): <c>kisrt order</c> places, amends, cancels and lists orders at a running simulator, and asks before KIS's real server.</summary>
public sealed class OrderCommandTests
{
    /// <summary>A subcommand as its action runs it (the actions write to the console), with kisrt's failure handling.</summary>
    private static async Task<(int Exit, string Out, string Err)> OrderAsync(string action, string url, OrderArgs args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await KisrtApp.GuardAsync(() => OrderRun.RunAsync(action, new OrderTarget { RestUrl = url }, args, Env(), new StringReader(""),
            stdout, stderr, CancellationToken.None), stderr).WaitAsync(CliTimeout);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Orders_placed_amended_and_cancelled_at_a_simulator_are_listed_and_a_refusal_exits_1()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var url = sim.RestBaseUrl.ToString();

        var market = await OrderAsync("place", url, new OrderArgs { Code = "005930", Side = "buy", Quantity = 1 });
        Assert.True(market.Exit == 0, market.Out + market.Err);
        Assert.StartsWith("accepted ", market.Out);
        var marketNumber = market.Out.Split(' ')[1];

        var list = await OrderAsync("list", url, new OrderArgs { Format = "jsonl" });
        Assert.Equal(0, list.Exit);
        var row = Assert.Single(JsonLines(list.Out));
        Assert.Equal((marketNumber, "005930", "buy", 1L), (row.GetProperty("order").GetString(), row.GetProperty("code").GetString(),
            row.GetProperty("side").GetString(), row.GetProperty("quantity").GetInt64()));

        // A limit far under the market rests; amended, then cancelled; a second cancel is KIS's refusal (exit 1).
        var price = (long)(row.GetProperty("average_price").GetDecimal() * 0.8m / 1000) * 1000;
        var resting = await OrderAsync("place", url, new OrderArgs { Code = "005930", Side = "buy", Quantity = 2, Price = price });
        Assert.True(resting.Exit == 0, resting.Out + resting.Err);
        var restingNumber = resting.Out.Split(' ')[1];
        var amended = await OrderAsync("amend", url, new OrderArgs { OrderNumber = restingNumber, Price = price - 1000 });
        Assert.True(amended.Exit == 0, amended.Out + amended.Err);
        var amendNumber = amended.Out.Split(' ')[1];
        var cancelled = await OrderAsync("cancel", url, new OrderArgs { OrderNumber = amendNumber });
        Assert.True(cancelled.Exit == 0, cancelled.Out + cancelled.Err);
        var again = await OrderAsync("cancel", url, new OrderArgs { OrderNumber = amendNumber });
        Assert.Equal(1, again.Exit);
        Assert.StartsWith("refused: ", again.Out);

        var table = await OrderAsync("list", url, new OrderArgs { Filter = "unfilled" });
        Assert.Equal(0, table.Exit);
        Assert.EndsWith("0 order(s)", table.Out.TrimEnd()); // nothing left working
        var filled = await OrderAsync("list", url, new OrderArgs { Filter = "filled", Format = "jsonl" });
        Assert.Equal([marketNumber], JsonLines(filled.Out).Select(r => r.GetProperty("order").GetString()));
    }

    [Fact]
    public async Task An_order_for_KIS_real_server_is_sent_only_after_a_yes_and_nothing_else_is_one()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = Env(new Dictionary<string,
            string> { ["KIS_APP_KEY"] = "PSrealAppKey00000000000000000000000", ["KIS_APP_SECRET"] = "real-secret-not-shown", ["KIS_ACCOUNT"] = "12345678-01" });
        var target = new OrderTarget();
        var order = new OrderArgs { Code = "005930", Side = "buy", Quantity = 1, Price = 70_000 };

        // "n" (or nothing) is no: usage exit, nothing sent (KIS's address is never reached from a test).
        var refused = await Assert.ThrowsAsync<CliUsageException>(() =>
            OrderRun.RunAsync("place", target, order, env, new StringReader("n\n"), stdout, stderr, CancellationToken.None));
        Assert.Contains("not confirmed: nothing was sent", refused.Message);
        Assert.Contains("KIS REAL server, account 1234****-01: Buy 1 005930 Limit @ 70000. Send? [y/N]", stderr.ToString());
        Assert.DoesNotContain("real-secret-not-shown", stderr.ToString() + stdout);
        await Assert.ThrowsAsync<CliUsageException>(() =>
            OrderRun.RunAsync("cancel", target, new OrderArgs { OrderNumber = "0000012345" }, env, new StringReader(""), stdout, stderr,
                CancellationToken.None));
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public async Task Without_a_simulator_url_or_credentials_the_command_says_what_to_give()
    {
        var error = await Assert.ThrowsAsync<CliUsageException>(() =>
            OrderRun.RunAsync("list", new OrderTarget(), new OrderArgs(), Env(), new StringReader(""), TextWriter.Null, TextWriter.Null,
                CancellationToken.None));
        Assert.Contains("--rest-url of a running `kisrt sim`", error.Message);
        // Through the command line: parsed, then refused with one line and the usage exit code.
        var stderr = new StringWriter();
        var exit = await KisrtApp.RunAsync(["order", "place", "--rest-url", "http://127.0.0.1:1/", "--code", "005930", "--side", "hold", "--qty", "1"],
            TextWriter.Null, stderr).WaitAsync(CliTimeout);
        Assert.Equal((2, "kisrt: --side must be buy or sell, not 'hold'."), (exit, stderr.ToString().Trim()));
    }
}
