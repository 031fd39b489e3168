using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// `kisrt bars --gateway` reads the current trading day from the gateway's retained stream: from the KST midnight, a
/// start at 02:00 KST lost the night session's trades since 18:00 and a US session's since its pre-market.
/// </summary>
public sealed class BarsTradingDayStartTests
{
    private static DateTimeOffset Kst(int day, int hour, int minute = 0) => new(2026, 3, day, hour, minute, 0, TimeSpan.FromHours(9));

    private static DateTimeOffset StartAt(DateTimeOffset now, TrDefinition tr, string key) =>
        BarsSource.TradingDayStart([new SubscriptionSpec(tr, key)], new Client.FakeTimeProvider(now));

    [Fact]
    public void Each_market_starts_its_day_where_its_first_session_opens()
    {
        Assert.Equal(Kst(10, 8, 30), StartAt(Kst(10, 10), KisTrs.H0STCNT0, "005930"));
        Assert.Equal(Kst(9, 18), StartAt(Kst(10, 2), KisTrs.H0MFCNT0, "101W3000"));
        // 00:30 KST on 2026-03-10 is 11:30 in New York on the 9th (summer time): the day began at 04:00 New York.
        Assert.Equal(Kst(9, 17), StartAt(Kst(10, 0, 30), KisTrs.HDFSCNT0, "DNASAAPL"));
    }

    [Fact]
    public void Before_a_day_opens_the_bars_start_from_the_latest_day_that_has()
    {
        // 00:30 KST Tuesday, KRX's day not open yet: Monday's day (read from 08:30 Tuesday, the stream had nothing yet:
        // CI's gateway TLS bars test printed no bar when run between 00:00 and 08:30 KST).
        Assert.Equal(Kst(9, 8, 30), StartAt(Kst(10, 0, 30), KisTrs.H0STCNT0, "005930"));
        // 07:00 KST Monday: Friday's.
        Assert.Equal(Kst(6, 8, 30), StartAt(Kst(9, 7), KisTrs.H0STCNT0, "005930"));
        // Saturday 10:00 KST: Friday's.
        Assert.Equal(Kst(13, 8, 30), StartAt(Kst(14, 10), KisTrs.H0STCNT0, "005930"));
        // NXT opens at 08:00: at 08:10 its day has begun.
        Assert.Equal(Kst(10, 8), StartAt(Kst(10, 8, 10), KisTrs.H0NXCNT0, "005930"));
    }
}
