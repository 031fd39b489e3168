using System.Globalization;
using Kis.Realtime.Tests.Cli;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// Issue 57 item 4: the sessions of a day of changed hours come from that day's hours in the calendar. NYSE's early
/// closes (2026-11-27 and 12-24: regular to 13:00, the closing cross stamped 13:00:00, after-market to 17:00) and KRX's
/// late opens (2026-01-02: 10:00; the exam day 2026-11-19: 10:00–16:30 with the closing print 16:30:xx) give regular
/// day bars equal to a truth filtered here by the official hours.
/// </summary>
public sealed class SpecialDaySessionTests
{
    private readonly record struct Print(TimeSpan Local, decimal Price, long Volume);

    /// <summary>The regular day bar of <paramref name="prints"/> in [open, close] (the close's print second included).</summary>
    private static (decimal Open, decimal High, decimal Low, decimal Close, long Volume) Truth(Print[] prints, TimeSpan open, TimeSpan closeSecond)
    {
        var regular = prints.Where(p => p.Local >= open && p.Local < closeSecond).ToList();
        return (regular[0].Price, regular.Max(p => p.Price), regular.Min(p => p.Price), regular[^1].Price, regular.Sum(p => p.Volume));
    }

    private static (decimal, decimal, decimal, decimal, long) Of(System.Text.Json.JsonElement bar) =>
        (bar.GetProperty("open").GetDecimal(), bar.GetProperty("high").GetDecimal(), bar.GetProperty("low").GetDecimal(),
            bar.GetProperty("close").GetDecimal(), bar.GetProperty("volume").GetInt64());

    [Theory]
    [InlineData("2026-11-27")] // the day after Thanksgiving
    [InlineData("2026-12-24")] // Christmas Eve
    public async Task A_nyse_early_close_ends_the_regular_bar_at_13_00_with_its_closing_cross(string day)
    {
        Print[] prints =
        [
            new(new TimeSpan(9, 30, 0), 201.00m, 40), new(new TimeSpan(11, 0, 0), 201.80m, 30),
            new(new TimeSpan(13, 0, 0), 201.54m, 20),  // the closing cross
            new(new TimeSpan(13, 30, 0), 201.90m, 200), new(new TimeSpan(16, 30, 0), 201.98m, 60), // after-market, to 17:00
        ];
        var date = DateTime.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var dir = EmptyDirectory();
        using (var recording = new BarsPandasCrossCheckTests.UsRecording(dir))
        {
            long accumulated = 0;
            foreach (var p in prints)
            {
                accumulated += p.Volume;
                var kst = date + p.Local + TimeSpan.FromHours(14); // EST (UTC-5) to KST (UTC+9)
                recording.Trade(date.ToString("yyyyMMdd", CultureInfo.InvariantCulture), kst.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
                    kst.ToString("HHmmss", CultureInfo.InvariantCulture), p.Price, p.Volume, accumulated);
            }
        }
        var bar = Assert.Single((await BarsAsync(dir, "us:DNASAAPL", "1d", sessions: "regular")).Bars);
        var truth = Truth(prints, new TimeSpan(9, 30, 0), new TimeSpan(13, 0, 1));
        Assert.Equal((201.00m, 201.80m, 201.00m, 201.54m, 90L), truth);
        Assert.Equal(truth, Of(bar));
    }

    [Theory]
    [InlineData("2026-11-27")]
    [InlineData("2026-12-24")]
    public async Task A_print_after_an_early_close_s_17_00_after_market_end_is_in_no_session(string day)
    {
        Print[] prints =
        [
            new(new TimeSpan(10, 0, 0), 201.00m, 40), new(new TimeSpan(13, 0, 0), 201.54m, 20),
            new(new TimeSpan(16, 59, 59), 201.70m, 30), // the after-market's last second
            new(new TimeSpan(19, 0, 0), 203.00m, 500),  // after the 17:00 end: no session of the day
        ];
        var date = DateTime.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var dir = EmptyDirectory();
        using (var recording = new BarsPandasCrossCheckTests.UsRecording(dir))
        {
            long accumulated = 0;
            foreach (var p in prints)
            {
                accumulated += p.Volume;
                var kst = date + p.Local + TimeSpan.FromHours(14);
                recording.Trade(date.ToString("yyyyMMdd", CultureInfo.InvariantCulture), kst.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
                    kst.ToString("HHmmss", CultureInfo.InvariantCulture), p.Price, p.Volume, accumulated);
            }
        }
        var (after, summary) = await BarsAsync(dir, "us:DNASAAPL", "1d", sessions: "after");
        Assert.Equal((201.70m, 30L), (Assert.Single(after).GetProperty("close").GetDecimal(), after[0].GetProperty("volume").GetInt64()));
        Assert.Contains("trades outside the sessions 3", summary);
        var (extended, all) = await BarsAsync(dir, "us:DNASAAPL", "1d", sessions: "extended");
        Assert.Equal(90L, Assert.Single(extended).GetProperty("volume").GetInt64());
        Assert.Contains("trades outside the sessions 1", all);
        var local = new DateTimeOffset(date + new TimeSpan(19, 0, 0), TimeSpan.FromHours(-5));
        Assert.Equal(TradingSessions.None, MarketCalendar.UsStocks.SessionOf(local));
        Assert.Equal(TradingSessions.AfterMarket, MarketCalendar.UsStocks.SessionOf(local.AddHours(-2).AddSeconds(-1)));
        // An ordinary day's after-market runs to 20:00.
        Assert.Equal(TradingSessions.AfterMarket, MarketCalendar.UsStocks.SessionOf(new DateTimeOffset(2026, 11, 30, 19, 0, 0, TimeSpan.FromHours(-5))));
    }

    [Theory]
    [InlineData("2026-01-02", 10, 15, 30)] // the year's first trading day: opens 10:00, closes as usual
    [InlineData("2026-11-19", 10, 16, 30)] // the exam day: 10:00–16:30
    public async Task A_krx_late_open_starts_the_regular_bar_at_its_opening_and_keeps_its_closing_print(string day, int openHour,
        int closeHour, int closeMinute)
    {
        var open = TimeSpan.FromHours(openHour);
        var close = new TimeSpan(closeHour, closeMinute, 0);
        Print[] prints =
        [
            new(open - TimeSpan.FromMinutes(30), 70000, 10),            // pre-open after-hours, shifted with the open
            new(open, 70100, 100), new(open + TimeSpan.FromHours(2), 70500, 50),
            new(close + TimeSpan.FromSeconds(10), 70300, 200),          // the closing auction's print
            new(close + TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(20), 70300, 5), // after-hours single price
        ];
        long accumulated = 0;
        var trades = prints.Select(p =>
        {
            accumulated += p.Volume;
            return T($"{day} {p.Local:hh\\:mm\\:ss}", p.Price, p.Volume, accumulated);
        }).ToArray();
        var dir = Write(KisTrs.H0STCNT0, "005930", trades);
        var bar = Assert.Single((await BarsAsync(dir, "stock:005930", "1d", sessions: "regular")).Bars);
        // The regular session holds the closing print up to ten minutes after the auction (KRX 15:30 → 15:40).
        var truth = Truth(prints, open, close + TimeSpan.FromMinutes(10));
        Assert.Equal((70100m, 70500m, 70100m, 70300m, 350L), truth);
        Assert.Equal(truth, Of(bar));
    }
}
