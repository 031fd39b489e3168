namespace Kis.Realtime.Tests.Markets;

/// <summary>The calendar's session model is the one home of the traded windows: each session's parts are in order.</summary>
public class SessionModelTests
{
    public static TheoryData<string> Calendars() => [.. MarketCalendar.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Calendars))]
    public void Every_session_s_calls_and_continuous_trading_lie_in_order_within_it(string name)
    {
        var calendar = MarketCalendar.All.Single(c => c.Name == name);
        foreach (var s in calendar.Sessions)
        {
            Assert.True(s.Start < s.End, $"{name} {s.Name}");
            Assert.True(s.OpeningCallStart is null || s.OpeningCallStart < s.Start, $"{name} {s.Name}: opening call");
            Assert.True(s.Start <= s.ContinuousStart && s.ContinuousStart < s.ContinuousEnd && s.ContinuousEnd <= s.End, $"{name} {s.Name}: continuous");
            Assert.True(s.ClosingCallEnd is null || s.ContinuousEnd < s.ClosingCallEnd && s.ClosingCallEnd <= s.End, $"{name} {s.Name}: closing call");
        }
    }

    [Fact]
    public void NXT_trades_its_main_market_from_09_00_30_to_15_20_inside_the_09_00_to_15_30_session()
    {
        var main = MarketCalendar.Nextrade.Regular;
        Assert.Equal((new TimeSpan(9, 0, 0), new TimeSpan(15, 30, 0)), (main.Start, main.End));
        Assert.Equal((new TimeSpan(9, 0, 30), new TimeSpan(15, 20, 0)), (main.ContinuousStart, main.ContinuousEnd));
        Assert.Null(main.ClosingCallEnd);
        Assert.Equal(new DateOnly(2026, 11, 30), MarketCalendar.Nextrade.NextTradingDay(new DateOnly(2026, 11, 27))); // Friday: Monday
    }
}
