using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73, item 5: the simulator's KRX books carry the session code KIS writes for the phase they are made in
/// (H0STASP0 <c>hour_cls_code</c>: <c>0</c> the continuous session, <c>C</c> a VI's call, <c>A</c> the closing call),
/// and so do its expected trades (H0STANC0), so a recording of the simulator tells its calls by their code, as one of
/// KIS does; its trades are the continuous session's <c>0</c>. They were <c>0</c> in every phase.
/// </summary>
public sealed class SessionCodeTests
{
    private const string Code = "005930";
    private const int Seed = 5;
    private static readonly DateTime Day = new(2026, 11, 23, 0, 0, 0, DateTimeKind.Unspecified); // a Monday

    [Fact]
    public void A_KRX_book_and_expected_trade_carry_0_in_the_session_C_in_a_VI_and_A_in_the_closing_call()
    {
        var vi = new ViSchedule(Seed, Code, StockVenue.Krx);
        Assert.True(vi.Count > 0, "the seed's day has a VI");
        var inVi = Day + TimeSpan.FromSeconds(vi.StartOf(0) + ViSchedule.DurationSeconds / 2);
        var market = new SimulatedMarket(SimulatorOptions.Default with
        {
            TimeProvider = new ManualTimeProvider(new DateTimeOffset(Day + new TimeSpan(9, 0, 0), KoreaTime.Offset)), Seed = Seed, RandomNotices = false,
        });
        var book = market.Get(KisTrs.H0STASP0, Code).Stream;
        var expected = market.Get(KisTrs.H0STANC0, Code).Stream;
        var trades = market.Get(KisTrs.H0STCNT0, Code).Stream;

        // In time order, as the market makes them: before the day's first VI (none before 09:10), in it, in the closing call.
        Assert.Equal(("0", "0", "0"), Codes(Day + new TimeSpan(9, 5, 0)));
        Assert.Equal("C", CodeOf(book, KisTrs.H0STASP0, inVi));
        Assert.Equal("C", CodeOf(expected, KisTrs.H0STANC0, inVi));
        Assert.Equal("A", CodeOf(book, KisTrs.H0STASP0, Day + new TimeSpan(15, 25, 0)));
        Assert.Equal("A", CodeOf(expected, KisTrs.H0STANC0, Day + new TimeSpan(15, 25, 0)));

        (string, string, string) Codes(DateTime at)
            => (CodeOf(book, KisTrs.H0STASP0, at), CodeOf(expected, KisTrs.H0STANC0, at), CodeOf(trades, KisTrs.H0STCNT0, at));
    }

    /// <summary>The <c>hour_cls_code</c> of the record <paramref name="stream"/> writes at <paramref name="at"/> (KST).</summary>
    private static string CodeOf(MarketStream stream, TrDefinition tr, DateTime at)
    {
        Assert.True(stream.HasRecordAt(at), $"{tr.Id} has a record at {at:HH:mm:ss}");
        var buffer = new byte[16 * 1024];
        var writer = new RecordWriter(buffer);
        stream.WriteRecord(ref writer, at);
        return System.Text.Encoding.ASCII.GetString(FieldReader.FieldAt(writer.WrittenSpan, tr.IndexOf("hour_cls_code")));
    }
}
