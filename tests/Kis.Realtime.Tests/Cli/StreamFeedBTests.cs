using Kis.Realtime.Cli;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Simulator;
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
    public async Task Feed_b_refused_at_the_start_is_named_and_the_stream_runs_on_feed_a()
    {
        // A server that knows the first key only: feed B cannot connect. Before, the command ended with exit 3.
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(300) });
        var connection = new ConnectionArgs
        {
            Subscriptions = ["stock:005930"],
            WebSocketUrl = sim.WebSocketUrl.ToString(),
            RestUrl = sim.RestBaseUrl.ToString(),
            AppKey = SimulatorOptions.DefaultAppKey,
            AppSecret = SimulatorOptions.DefaultAppSecret,
            FeedBAppKey = FeedBKey,
            FeedBAppSecret = "feed-b-secret",
        };
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        var exit = await KisrtApp.GuardAsync(
            () => StreamCommand.RunAsync(connection, new StreamArgs { Format = "jsonl", Count = 50 }, Env(), stdout, stderr, default),
            stderr).WaitAsync(CliTimeout);

        var summary = stderr.ToString();
        Assert.True(exit == 0, summary);
        Assert.Equal(50, JsonLines(stdout.ToArray()).Count);
        Assert.Contains("kisrt: feed B did not connect (", summary);
        Assert.Contains("; B: ", summary);
        Assert.Contains("did not connect at start", summary);
        Assert.DoesNotContain("feed-b-secret", summary);
        Assert.DoesNotContain(SimulatorOptions.DefaultAppSecret, summary);
    }

    [Fact]
    public async Task Bars_over_two_sessions_merged_give_bars_and_each_feeds_health()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var connection = FastSimulator("stock:005930") with { FeedBAppKey = FeedBKey, FeedBAppSecret = "feed-b-secret" };
        var exit = await BarsCommand.RunAsync(connection, new BarsArgs { Format = "jsonl", Interval = "20t", Count = 5 }, Env(), stdout, stderr, default)
            .WaitAsync(CliTimeout);

        var summary = stderr.ToString();
        Assert.True(exit == 0, summary);
        var bars = JsonLines(stdout.ToString());
        Assert.Equal(5, bars.Count);
        // Each trade once: a tick bar holds 20 trades, none doubled by the second session, and the tape has no hole.
        Assert.All(bars, b => Assert.Equal(20, b.GetProperty("trade_count").GetInt64()));
        Assert.All(bars, b => Assert.DoesNotContain("gap", b.GetProperty("flags").EnumerateArray().Select(f => f.GetString())));
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
