using System.Text.Json;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Tape;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 42: nothing dropped silently. The market's tape keeps at most <see cref="MarketTape.Capacity"/> unread events;
/// those it drops (a reader that fell that far behind would miss fills) are counted in the simulator's counters and
/// shown by <c>GET /sim/status</c>. Failed before: the tape counted them where nobody could see.
/// </summary>
public sealed class MarketTapeOverflowTests
{
    [Fact]
    public async Task Events_the_tape_drops_unread_are_counted_in_the_sim_status()
    {
        // Nothing reads the tape here: no session, no market driven for resting orders, no venue call.
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.Off, DriveRestingOrders = false, RandomNotices = false });
        var tape = sim.Hub.Market.Tape;
        var at = sim.MarketTime;
        for (var i = 0; i < MarketTape.Capacity + 5; i++)
            tape.Publish(new TapeEvent(TapeEventKind.Trade, "005930", false, at, 70_000, 1, BuyerInitiated: true));

        Assert.Equal(5, sim.Counters.TapeEventsDropped);
        using var http = new HttpClient { BaseAddress = sim.RestBaseUrl };
        using var status = JsonDocument.Parse(await http.GetStringAsync("/sim/status"));
        Assert.Equal(5, status.RootElement.GetProperty("counters").GetProperty("tapeEventsDropped").GetInt64());
        // kisrt sim's last line says it too.
        Assert.Contains("Tape events dropped unread: 5;", Kis.Realtime.Cli.Commands.SimCommand.StopLine(sim.Counters), StringComparison.Ordinal);
    }
}
