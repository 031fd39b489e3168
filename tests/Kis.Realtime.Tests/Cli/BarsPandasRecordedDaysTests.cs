using static Kis.Realtime.Tests.Cli.BarsPandasCrossCheckTests;
using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// tools/bars-check against <c>kisrt bars --replay</c> (issue 46): dateless TRs over many days with a holiday and a
/// months-long pause, a repeated record, a late record, a new day's lost first trade and a mid-day start.
/// </summary>
public sealed class BarsPandasRecordedDaysTests
{
    // Monday 05-04, Tuesday 05-05 a holiday (Children's Day: nothing recorded), Wednesday 05-06 starting later in the day
    // than Monday ended, then October 12; 05-06's first trade (100) lost.
    private static Trade[] Days() =>
    [
        T("2026-05-04 09:00:00", 350, 100, 100), T("2026-05-04 10:00:00", 352, 200, 300), T("2026-05-04 11:00:00", 351, 300, 600),
        T("2026-05-06 13:00:00", 362, 500, 600), T("2026-05-06 13:00:30", 361, 100, 700),
        T("2026-10-12 09:30:00", 370, 50, 50), T("2026-10-12 10:30:00", 371, 50, 100),
    ];

    [PandasFact]
    public async Task Day_futures_over_days_with_a_holiday_equal_pandas() =>
        Assert.Equal(100, await CrossCheckAsync(Write(KisTrs.H0IFCNT0, "101W12000", Days()), [("futures:101W12000", "H0IFCNT0")], minimumBars: 5,
            daily: "extended"));

    [PandasFact]
    public async Task Index_ticks_over_days_with_a_holiday_equal_pandas() =>
        Assert.Equal(100, await CrossCheckAsync(Write(KisTrs.H0UPCNT0, "0001", Days()), [("index:0001", "H0UPCNT0")], minimumBars: 5, daily: "regular"));

    [PandasFact]
    public async Task Night_futures_over_two_nights_with_a_skipped_one_equal_pandas()
    {
        var dir = Write(KisTrs.H0MFCNT0, "101W12000",
            T("2026-05-04 18:30:00", 350, 100, 100), T("2026-05-04 23:00:00", 351, 200, 300), T("2026-05-05 05:00:00", 352, 600, 900),
            T("2026-05-06 19:00:00", 360, 300, 600), T("2026-05-07 01:00:00", 361, 300, 900));
        Assert.Equal(300, await CrossCheckAsync(dir, [("night-futures:101W12000", "H0MFCNT0")], minimumBars: 5, daily: "extended"));
    }

    [PandasFact]
    public async Task A_duplicate_a_late_record_and_a_mid_day_start_equal_pandas()
    {
        var repeated = T("2026-11-23 10:00:30", 70100, 100, 5200);
        var dir = Write(KisTrs.H0STCNT0, "005930",
            T("2026-11-23 10:00:00", 70000, 100, 5100), repeated, repeated with { ReceivedLate = TimeSpan.FromSeconds(1) },
            T("2026-11-23 10:04:10", 70000, 100, 5300),
            T("2026-11-23 10:07:05", 70500, 100, 5500),
            Late(T("2026-11-23 10:05:20", 69000, 100, 5400), TimeSpan.FromMinutes(2)),
            T("2026-11-23 10:07:40", 70600, 100, 5700),
            Late(T("2026-11-23 10:07:20", 70400, 100, 5600), TimeSpan.FromSeconds(25)),
            T("2026-11-24 09:00:10", 71000, 50, 150));
        // Missing: the 5,000 shares of the day before the recording's first trade (a gap: not in the bars) and the 100 of 5,200–5,300.
        Assert.Equal(5100, await CrossCheckAsync(dir, [("stock:005930", "H0STCNT0")], minimumBars: 4, daily: "regular"));
    }

    [Fact]
    public async Task The_US_closing_cross_at_16_00_00_closes_the_regular_day_bar()
    {
        // Friday 2026-10-30 (EDT): 15:59:59 New York = 04:59:59 KST Saturday; the closing cross prints at 16:00:00.
        var dir = CliTestKit.EmptyDirectory();
        using (var recording = new UsRecording(dir))
        {
            recording.Trade("20261030", "20261030", "223000", 101.00m, 100, 100);
            recording.Trade("20261030", "20261031", "045959", 102.22m, 100, 200);
            recording.Trade("20261030", "20261031", "050000", 102.59m, 500, 700); // the closing cross
            recording.Trade("20261030", "20261031", "051000", 102.70m, 10, 710);  // after-market
        }
        var (days, summary) = await BarsAsync(dir, "us:DNASAAPL", "1d", "regular");
        var day = Assert.Single(days);
        Assert.Equal((700L, 102.59m), (day.GetProperty("volume").GetInt64(), day.GetProperty("close").GetDecimal()));
        Assert.Contains("trades outside the sessions 1", summary);
        Assert.Equal(TradingSessions.Regular, MarketCalendar.UsStocks.SessionOf(new DateTimeOffset(2026, 10, 30, 16, 0, 0, TimeSpan.FromHours(-4))));
        Assert.Equal(TradingSessions.AfterMarket, MarketCalendar.UsStocks.SessionOf(new DateTimeOffset(2026, 10, 30, 16, 0, 1, TimeSpan.FromHours(-4))));
    }

    [PandasFact]
    public async Task The_US_closing_cross_equals_pandas()
    {
        var dir = CliTestKit.EmptyDirectory();
        using (var recording = new UsRecording(dir))
        {
            recording.Trade("20261030", "20261030", "223000", 101.00m, 100, 100);
            recording.Trade("20261030", "20261031", "045959", 102.22m, 100, 200);
            recording.Trade("20261030", "20261031", "050000", 102.59m, 500, 700);
            recording.Trade("20261030", "20261031", "051000", 102.70m, 10, 710);
        }
        Assert.Equal(0, await CrossCheckAsync(dir, [("us:DNASAAPL", "HDFSCNT0")], minimumBars: 4, daily: "regular"));
    }
}
