using System.Text.Json;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.WebSockets;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The instrument's tape (issue 55, item 5) driven by hand: every reader gets every frame, the same bytes; the pace is
/// the instrument's; a reader that stops reading while another goes on loses only the oldest frames beyond the bound,
/// and they are counted where a user sees them (nothing dropped silently).
/// </summary>
public sealed class InstrumentTapeTests
{
    private sealed class Listener : IFrameListener
    {
        public int Woken;
        public void TapeAppended() => Woken++;
    }

    [Fact]
    public async Task Every_reader_gets_the_same_frames_and_one_that_stops_reading_loses_only_the_oldest_counted()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.Off, DriveRestingOrders = false });
        var instrument = sim.Hub.Market.Get(KisTrs.IndexTicks, "0001");
        var (fast, slow, late) = (new Listener(), new Listener(), new Listener());
        var a = instrument.JoinTape(fast, 0, 1_000);
        var b = instrument.JoinTape(slow, 0, 1_000);
        var scratch = new byte[64 * 1024];
        var taken = new TapeFrame[1];

        // Three frames, each made by A: B is woken for each and gets the very same bytes.
        var made = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(2, instrument.Produce(a, 2, sim.MarketTime, scratch, FrameWriter.ToWebSocketFrame));
            Assert.Equal(1, instrument.TakePending(a, taken));
            made.Add(taken[0].Bytes);
        }
        Assert.Equal(3, slow.Woken);
        Assert.Equal(0, fast.Woken); // the maker is not woken for its own frame
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, instrument.TakePending(b, taken));
            Assert.Same(made[i], taken[0].Bytes); // encoded once, the same bytes for every session
        }
        Assert.False(instrument.HasPending(b));

        // A reader that joins later starts at the head: nothing from before it subscribed.
        var c = instrument.JoinTape(late, 0, 1_000);
        Assert.False(instrument.HasPending(c));
        instrument.LeaveTape(c);

        // B stops reading while A goes on: past the bound, B loses the oldest frames, two records each, counted.
        var frames = Instrument.MaxTapeFrames + 10;
        for (var i = 0; i < frames; i++)
        {
            instrument.Produce(a, 2, sim.MarketTime, scratch, FrameWriter.ToWebSocketFrame);
            Assert.Equal(1, instrument.TakePending(a, taken));
        }
        Assert.Equal(20, sim.Counters.RecordsLostBehind);
        var kept = 0;
        while (instrument.TakePending(b, taken) == 1) kept++;
        Assert.Equal(Instrument.MaxTapeFrames, kept);
        using var http = new HttpClient { BaseAddress = sim.RestBaseUrl };
        using var status = JsonDocument.Parse(await http.GetStringAsync("/sim/status"));
        Assert.Equal(20, status.RootElement.GetProperty("counters").GetProperty("recordsLostBehind").GetInt64());
        Assert.Contains("records lost by sessions behind: 20.", Kis.Realtime.Cli.Commands.SimCommand.StopLine(sim.Counters), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rate_pace_is_the_instruments_so_two_subscribers_do_not_double_it()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.Off, DriveRestingOrders = false });
        var pace = sim.Hub.Market.Get(KisTrs.IndexTicks, "0001").Pace;
        const long second = 1_000;
        pace.Join(0, second);
        pace.Join(0, second); // a second subscriber joins the pace as it is
        // One second at 100 records a second: 100 records, whichever subscriber asks; none left for the other.
        Assert.True(pace.TryTakeRate(second, second, 100, 1_000, out var count, out _));
        Assert.Equal(100, count);
        Assert.False(pace.TryTakeRate(second, second, 100, 1_000, out _, out var wait));
        Assert.True(wait > 0);
    }
}
