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
}
