using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 57, item 5: <c>kisrt stream --feed-b-app-key</c> opens a second session and merges both (KisMergedClient): the
/// trades come once each, in exchange order, and the summary has each feed's health.
/// </summary>
public class StreamFeedBTests
{
    private const string FeedBKey = "FEEDBkisrtStreamTestAppKey0000000002";

    [Fact]
    public async Task Two_sessions_merged_give_each_trade_once_in_order_and_each_feeds_health()
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        var connection = FastSimulator("stock:005930") with { FeedBAppKey = FeedBKey, FeedBAppSecret = "feed-b-secret" };
        var exit = await StreamCommand.RunAsync(connection, new StreamArgs { Format = "jsonl", Count = 200 }, Env(), stdout, stderr, default)
            .WaitAsync(CliTimeout);

        Assert.True(exit == 0, stderr.ToString());
        var trades = JsonLines(stdout.ToArray()).Select(l => l.GetProperty("fields"))
            .Select(f => (Volume: f.GetProperty("cntg_vol").GetInt64(), Accumulated: f.GetProperty("acml_vol").GetInt64())).ToList();
        Assert.Equal(200, trades.Count);
        for (var i = 1; i < trades.Count; i++) Assert.Equal(trades[i - 1].Accumulated, trades[i].Accumulated - trades[i].Volume);
        var summary = stderr.ToString();
        Assert.Contains("kisrt: feeds: A: ", summary);
        Assert.Contains("; B: ", summary);
        Assert.DoesNotContain("feed-b-secret", summary);
    }

    [Fact]
    public async Task Feed_b_without_its_secret_or_with_the_first_key_is_a_usage_error()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => StreamCommand.RunAsync(FastSimulator("stock:005930") with { FeedBAppKey = FeedBKey },
            new StreamArgs { Count = 1 }, Env(), new MemoryStream(), new StringWriter(), default));
        Assert.Contains("feed B needs both its app key and its app secret", e.Message);

        e = await Assert.ThrowsAsync<CliUsageException>(() => StreamCommand.RunAsync(FastSimulator("stock:005930") with
        {
            FeedBAppKey = Kis.Realtime.Simulator.SimulatorOptions.DefaultAppKey, FeedBAppSecret = "x",
        }, new StreamArgs { Count = 1 }, Env(), new MemoryStream(), new StringWriter(), default));
        Assert.Contains("an app key of its own", e.Message);
    }
}
