namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The one market clock of a simulator, in KST. <see cref="MarketClockMode.Demo"/>: a trading day that starts at
/// 09:00 on the KST date the simulator started (the next Monday when that is a Saturday or Sunday), running
/// <see cref="SimulatorOptions.ClockSpeed"/> times real time; demo days run 08:00–20:00 back to back, weekdays only
/// (after Friday 20:00 comes Monday 08:00), so a demo never goes quiet for long and no record is dated on a weekend.
/// <see cref="MarketClockMode.Live"/>: the wall clock in KST, weekends closed. A scenario
/// (<see cref="SimulatorOptions.MarketStart"/>): live hours on a clock that starts at the given instant and runs
/// <see cref="SimulatorOptions.ClockSpeed"/> times real time, so a test runs a US session or a night session across
/// KST midnight in seconds.
/// Monotonic in demo mode (elapsed timestamps); in live mode it follows the wall clock, and instruments never let a
/// record's time go back.
/// </summary>
internal sealed class MarketClock
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);
    private static readonly TimeSpan DemoDayOpen = TimeSpan.FromHours(8);
    private const double DemoDaySeconds = 12 * 3600;
    /// <summary>The demo starts at 09:00, one hour into its 08:00–20:00 day.</summary>
    private const double DemoStartOffsetSeconds = 3600;

    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly DateTime _demoDate;
    private readonly DateTime? _scenarioStart;

    public MarketClock(TimeProvider time, MarketClockMode mode, double speed, DateTimeOffset? start = null)
    {
        _time = time;
        // A scenario runs on the real (live) hours, from its own start.
        Mode = start is null ? mode : MarketClockMode.Live;
        _scenarioStart = start?.ToOffset(Kst).DateTime;
        Speed = speed;
        _startTimestamp = time.GetTimestamp();
        _demoDate = AddWeekdays(time.GetUtcNow().ToOffset(Kst).Date, 0);
    }

    public MarketClockMode Mode { get; }

    public double Speed { get; }

    /// <summary>Market time now, KST.</summary>
    public DateTime Now() => _scenarioStart is { } start ? start + TimeSpan.FromSeconds(DemoSeconds())
        : Mode == MarketClockMode.Live ? WallKst() : DemoAt(DemoSeconds());

    /// <summary>True when the clock runs a scenario from <see cref="SimulatorOptions.MarketStart"/>.</summary>
    public bool IsScenario => _scenarioStart is not null;

    /// <summary>The wall clock in KST (PINGPONG's datetime, as the live server's own clock).</summary>
    public DateTime WallKst() => _time.GetUtcNow().ToOffset(Kst).DateTime;

    /// <summary>Real time from <paramref name="now"/> (market time) until <paramref name="hours"/> next opens; zero when open.</summary>
    public TimeSpan UntilOpen(TradingHours hours, DateTime now)
    {
        var open = hours.NextOpen(now);
        if (open <= now) return TimeSpan.Zero;
        if (_scenarioStart is not null) return (open - now) / Speed;
        if (Mode == MarketClockMode.Live) return open - now;
        return TimeSpan.FromSeconds(Math.Max(0, (DemoSecondsOf(open) - DemoSecondsOf(now)) / Speed));
    }

    /// <summary>Trading seconds since the demo (or scenario) started, scaled by the speed.</summary>
    private double DemoSeconds() => _time.GetElapsedTime(_startTimestamp).TotalSeconds * Speed;

    private DateTime DemoAt(double seconds)
    {
        var total = seconds + DemoStartOffsetSeconds;
        var day = Math.Floor(total / DemoDaySeconds);
        var into = total - day * DemoDaySeconds;
        return AddWeekdays(_demoDate, (int)day) + DemoDayOpen + TimeSpan.FromSeconds(into);
    }

    /// <summary>The <paramref name="weekdays"/>-th weekday after <paramref name="date"/> (0: the date itself, or the next Monday on a weekend).</summary>
    private static DateTime AddWeekdays(DateTime date, int weekdays)
    {
        while (TradingHours.IsWeekend(date)) date = date.AddDays(1);
        var d = date.AddDays(weekdays / 5 * 7);
        for (var left = weekdays % 5; left > 0; left--)
            do d = d.AddDays(1); while (TradingHours.IsWeekend(d));
        return d;
    }

    /// <summary>Weekdays from the weekday <paramref name="from"/> to <paramref name="to"/> (a weekend date counts as the Monday after it).</summary>
    private static int WeekdaysBetween(DateTime from, DateTime to)
    {
        to = AddWeekdays(to.Date, 0);
        var weeks = (int)((to - from).TotalDays / 7);
        var d = from.AddDays(weeks * 7);
        var n = weeks * 5;
        for (; d < to; d = d.AddDays(1))
            if (!TradingHours.IsWeekend(d)) n++;
        return n;
    }

    /// <summary>The inverse of <see cref="DemoAt"/> for a time inside a demo day (08:00–20:00).</summary>
    private double DemoSecondsOf(DateTime market)
    {
        var day = WeekdaysBetween(_demoDate, market.Date);
        var into = TradingHours.IsWeekend(market) ? 0 : Math.Clamp((market.TimeOfDay - DemoDayOpen).TotalSeconds, 0, DemoDaySeconds);
        return day * DemoDaySeconds + into - DemoStartOffsetSeconds;
    }
}
