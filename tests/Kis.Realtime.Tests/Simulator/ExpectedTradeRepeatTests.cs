using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The expected-trade TRs (예상체결: H0STANC0, H0NXANC0, H0UNANC0 and the other ANC0s) are published as the expected
/// price and quantity change (KRX has published them "in real time" during its calls since 2002; nothing in KIS's pages
/// or samples says KIS repeats an unchanged one). A tap of KIS's Python sample against the simulator found a third to a
/// half of their records byte-identical to an earlier one of the same key: the simulator wrote one whenever the pace
/// asked, changed or not (several in one frame, the same second, the same book).
/// </summary>
public sealed class ExpectedTradeRepeatTests
{
    private static readonly string[] ExpectedTrs = ["H0STANC0", "H0NXANC0", "H0UNANC0"];

    [Fact]
    public async Task No_expected_trade_record_repeats_the_previous_one_of_its_key_while_the_expected_price_moves()
    {
        // Flat out, a frame asks for 20 records at one instant, where an unchanged book repeated itself; the book feed moves
        // the book between frames, so the expected price and quantity do change.
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = 20, Seed = 11 });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync("H0STASP0", "005930");
        foreach (var tr in ExpectedTrs) await c.SubscribeAsync(tr, "005930");
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => ExpectedTrs.All(tr => r.Count(tr) >= 120));

        foreach (var tr in ExpectedTrs)
        {
            var records = session.Of(tr);
            var repeats = records.Zip(records.Skip(1)).Count(p => p.First == p.Second);
            Assert.True(repeats == 0, $"{tr}: {repeats} of {records.Count} records repeat the one before");
            Assert.True(KisTrs.TryGet(tr, out var definition));
            var prices = records.Select(r => Encoding.ASCII.GetString(FieldReader.FieldAt(Encoding.ASCII.GetBytes(r), definition.IndexOf("stck_prpr"))))
                .Distinct().Count();
            Assert.True(prices > 1, $"{tr}: the expected price never changed in {records.Count} records");
        }
    }

    [Fact]
    public void An_unchanged_expected_trade_is_not_written_again_and_is_counted()
    {
        var at = new DateTimeOffset(2026, 11, 23, 8, 45, 0, KoreaTime.Offset); // a Monday, KRX's pre-open call
        var counters = new SimulatorCounters();
        var market = new SimulatedMarket(SimulatorOptions.Default with { TimeProvider = new ManualTimeProvider(at), Seed = 4, RandomNotices = false },
            counters: counters.Tally);
        var expected = market.Get(KisTrs.H0STANC0, "005930");
        var buffer = new byte[64 * 1024];
        var writer = new RecordWriter(buffer);

        // Nothing moves the book in one instant: five asked, one written, four not sent and counted.
        Assert.Equal(1, expected.WriteRecords(ref writer, 5, at.DateTime));
        Assert.Equal(4, counters.UnchangedRecordsNotSent);
        // The same instant again: still nothing new to say.
        var again = new RecordWriter(buffer);
        Assert.Equal(0, expected.WriteRecords(ref again, 3, at.DateTime));
        Assert.Equal(7, counters.UnchangedRecordsNotSent);
        // A second later the record carries a new time: it is sent.
        var later = new RecordWriter(buffer);
        Assert.Equal(1, expected.WriteRecords(ref later, 1, at.DateTime.AddSeconds(1)));
        Assert.Equal(7, counters.UnchangedRecordsNotSent);
    }
}
