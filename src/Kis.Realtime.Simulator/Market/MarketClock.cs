namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The one market clock of a simulator, in KST. <see cref="MarketClockMode.Demo"/>: a trading day that starts at
/// 09:00 on the KST date the simulator started, running <see cref="SimulatorOptions.ClockSpeed"/> times real time;
/// demo days run 08:00–20:00 back to back (after 20:00 comes 08:00 of the next day, weekends included), so a demo
/// never goes quiet for long. <see cref="MarketClockMode.Live"/>: the wall clock in KST, weekends closed.
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

    public MarketClock(TimeProvider time, MarketClockMode mode, double speed)
    {
        _time = time;
        Mode = mode;
        Speed = speed;
        _startTimestamp = time.GetTimestamp();
        _demoDate = time.GetUtcNow().ToOffset(Kst).Date;
    }

    public MarketClockMode Mode { get; }

    public double Speed { get; }

    /// <summary>Demo days run every day of the week; live days are weekdays.</summary>
    public bool EveryDayTrades => Mode == MarketClockMode.Demo;

    /// <summary>Market time now, KST.</summary>
    public DateTime Now() => Mode == MarketClockMode.Live ? WallKst() : DemoAt(DemoSeconds());

    /// <summary>The wall clock in KST (PINGPONG's datetime, as the live server's own clock).</summary>
    public DateTime WallKst() => _time.GetUtcNow().ToOffset(Kst).DateTime;

    /// <summary>Real time from <paramref name="now"/> (market time) until <paramref name="hours"/> next opens; zero when open.</summary>
    public TimeSpan UntilOpen(TradingHours hours, DateTime now)
    {
        var open = hours.NextOpen(now, EveryDayTrades);
        if (open <= now) return TimeSpan.Zero;
        if (Mode == MarketClockMode.Live) return open - now;
        return TimeSpan.FromSeconds(Math.Max(0, (DemoSecondsOf(open) - DemoSecondsOf(now)) / Speed));
    }

    /// <summary>Trading seconds since the demo started, scaled by the speed.</summary>
    private double DemoSeconds() => _time.GetElapsedTime(_startTimestamp).TotalSeconds * Speed;

    private DateTime DemoAt(double seconds)
    {
        var total = seconds + DemoStartOffsetSeconds;
        var day = Math.Floor(total / DemoDaySeconds);
        var into = total - day * DemoDaySeconds;
        return _demoDate.AddDays(day) + DemoDayOpen + TimeSpan.FromSeconds(into);
    }

    /// <summary>The inverse of <see cref="DemoAt"/> for a time inside a demo day (08:00–20:00).</summary>
    private double DemoSecondsOf(DateTime market)
    {
        var day = (market.Date - _demoDate).TotalDays;
        var into = Math.Clamp((market.TimeOfDay - DemoDayOpen).TotalSeconds, 0, DemoDaySeconds);
        return day * DemoDaySeconds + into - DemoStartOffsetSeconds;
    }
}
