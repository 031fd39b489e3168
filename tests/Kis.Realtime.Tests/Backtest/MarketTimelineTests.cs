using System.Text;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// The market time a venue over a recording runs on (<see cref="MarketTimeline"/>, docs/backtest.md "Market time"):
/// the records' own stamps, run on with the receive times between them, never back; the receive time in KST before any
/// stamp; a stamp without a date on the market's date, replaced by the first stock trade's date.
/// </summary>
public sealed class MarketTimelineTests
{
    /// <summary>Sunday 2026-11-22, 16:03 KST: when the copy of Monday's session is received.</summary>
    private static readonly DateTimeOffset Received = new(2026, 11, 22, 16, 3, 0, KoreaTime.Offset);

    private static readonly DateTime Monday = new(2026, 11, 23, 0, 0, 0, DateTimeKind.Unspecified);

    [Fact]
    public void Before_any_stamp_the_market_time_is_the_receive_time_in_KST()
    {
        var timeline = new MarketTimeline();
        Assert.False(timeline.FromStamps);
        Assert.Equal(Received.DateTime, timeline.KstAt(Received));
        timeline.Observe(MarketStamp.Of(KisTrs.H0STASP0, Book("99x000")), Received); // not HHMMSS: no stamp
        Assert.False(timeline.FromStamps);
    }

    [Fact]
    public void A_later_stamp_moves_the_market_time_an_earlier_one_leaves_it_and_it_runs_on_with_the_receive_times()
    {
        var timeline = new MarketTimeline();
        timeline.Observe(MarketStamp.Of(KisTrs.H0STCNT0, Trade("090000", "20261123")), Received);
        Assert.Equal(Monday + new TimeSpan(9, 0, 0), timeline.KstAt(Received));
        Assert.Equal(Monday + new TimeSpan(0, 9, 0, 0, 400), timeline.KstAt(Received.AddMilliseconds(400)));

        // A late book stamped a second earlier: the market time does not go back.
        timeline.Observe(MarketStamp.Of(KisTrs.H0STASP0, Book("085959")), Received.AddMilliseconds(500));
        Assert.Equal(Monday + new TimeSpan(0, 9, 0, 0, 500), timeline.KstAt(Received.AddMilliseconds(500)));

        // A trade stamped two seconds on, received 0.7 s later: the market time is the stamp's.
        timeline.Observe(MarketStamp.Of(KisTrs.H0STCNT0, Trade("090002", "20261123")), Received.AddMilliseconds(700));
        Assert.Equal(Monday + new TimeSpan(9, 0, 2), timeline.KstAt(Received.AddMilliseconds(700)));
        Assert.Equal(new DateTimeOffset(Monday + new TimeSpan(9, 0, 2), KoreaTime.Offset), timeline.At(Received.AddMilliseconds(700)));
    }

    [Fact]
    public void A_book_s_time_takes_the_receive_date_until_the_first_trade_s_date_replaces_it()
    {
        var timeline = new MarketTimeline();
        timeline.Observe(MarketStamp.Of(KisTrs.H0STASP0, Book("090000")), Received);
        Assert.Equal(Received.Date + new TimeSpan(9, 0, 0), timeline.KstAt(Received)); // Sunday, for now
        timeline.Observe(MarketStamp.Of(KisTrs.H0STCNT0, Trade("090000", "20261123")), Received.AddMilliseconds(100));
        Assert.Equal(Monday + new TimeSpan(0, 9, 0, 0, 100), timeline.KstAt(Received.AddMilliseconds(100)));
    }

    private static byte[] Trade(string hhmmss, string yyyymmdd)
    {
        var tr = KisTrs.H0STCNT0;
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, "005930", 1)).Split('^');
        fields[tr.IndexOf("stck_cntg_hour")] = hhmmss;
        fields[tr.IndexOf("bsop_date")] = yyyymmdd;
        return Encoding.ASCII.GetBytes(string.Join('^', fields));
    }

    private static byte[] Book(string hhmmss)
    {
        var tr = KisTrs.H0STASP0;
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, "005930", 1)).Split('^');
        fields[tr.IndexOf("bsop_hour")] = hhmmss;
        return Encoding.ASCII.GetBytes(string.Join('^', fields));
    }
}
