using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 76 (2): the "no records for … check the code" alarm only when it is true. Failed before: a 1 s stream from the
/// built-in simulator named its own default subscriptions (H0NXPGM0:005930), which had simply not sent yet.
/// </summary>
public sealed class SilentSubscriptionAlarmTests
{
    private static async Task<string> StreamAsync(ConnectionArgs connection, Dictionary<string, string>? variables = null)
    {
        var stderr = new StringWriter();
        var exit = await StreamCommand.RunAsync(connection, new StreamArgs { Format = "jsonl", Duration = TimeSpan.FromSeconds(1) },
            Env(variables), new MemoryStream(), stderr, default).WaitAsync(CliTimeout);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        return stderr.ToString();
    }

    [Fact]
    public async Task The_built_in_simulators_defaults_never_trip_it_however_short_the_run()
    {
        var errors = await StreamAsync(new ConnectionArgs()); // the defaults, at the demo pace
        Assert.DoesNotContain("no records for", errors);
        Assert.DoesNotContain("too short to judge", errors);
    }

    [Fact]
    public async Task The_built_in_simulator_names_an_unlisted_code_at_once_and_only_it()
    {
        var errors = await StreamAsync(new ConnectionArgs { Subscriptions = ["stock:999999", "stock-nxt:005930", "program-nxt:005930"] });
        Assert.Contains("no records for H0STCNT0:999999:", errors);
        Assert.DoesNotContain("005930", errors.Split('\n').Single(l => l.Contains("no records for", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_run_that_got_nothing_says_0_records_without_an_empty_list()
    {
        // Failed before: "kisrt: 0 records () in 1.0 s" above the alarm naming the unlisted code.
        var errors = await StreamAsync(new ConnectionArgs { Subscriptions = ["stock:999999"] });
        Assert.Contains("kisrt: 0 records in ", errors);
        Assert.DoesNotContain("()", errors);
    }

    [Fact]
    public async Task Another_servers_short_silence_is_too_short_to_judge_and_names_nothing()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(5) });
        var errors = await StreamAsync(new ConnectionArgs { Subscriptions = ["stock:999999"] }, new Dictionary<string, string>
        {
            ["KIS_WS_URL"] = sim.WebSocketUrl.ToString(), ["KIS_REST_URL"] = sim.RestBaseUrl.ToString(),
            ["KIS_APP_KEY"] = SimulatorOptions.DefaultAppKey, ["KIS_APP_SECRET"] = SimulatorOptions.DefaultAppSecret,
        });
        Assert.Contains("kisrt: 1 subscription(s) got no record in ", errors);
        Assert.Contains("too short to judge", errors);
        Assert.DoesNotContain("no records for", errors);
    }
}
