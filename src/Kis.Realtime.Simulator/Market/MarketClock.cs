using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The one market clock of a simulator, in KST. <see cref="MarketClockMode.Demo"/>: a trading day that starts at
/// KRX's open (09:00; 10:00 on a late open) on the KST date the simulator started (the next trading day when that date
/// does not trade: a weekend, a holiday), running
/// <see cref="SimulatorOptions.ClockSpeed"/> times real time; demo days are the KRX+NXT day (08:00–20:00,
/// <see cref="TradingHours.DemoDay"/>) back to back, trading days of the calendar only (after Friday 20:00 comes Monday
/// 08:00), so a demo never goes quiet for long and no record is dated on a weekend (markets on another clock stamp a
/// demo day on their own trading day: <see cref="TradingHours.RecordTime"/>).
/// <see cref="MarketClockMode.Live"/>: the wall clock in KST, weekends closed. A scenario
/// (<see cref="SimulatorOptions.MarketStart"/>): live hours on a clock that starts at the given instant and runs
/// <see cref="SimulatorOptions.ClockSpeed"/> times real time, so a test runs a US session or a night session across
/// KST midnight in seconds.
/// Monotonic in demo mode (elapsed timestamps); in live mode it follows the wall clock, and instruments never let a
/// record's time go back.
/// </summary>
internal sealed class MarketClock
{
    /// <summary>Whose trading days the demo days are (the KRX+NXT day's).</summary>
    private static readonly MarketCalendar Days = TradingHours.DemoDay.Calendar;
    private static readonly TimeSpan DemoDayOpen = TradingHours.DemoDay.DayOpen;
    private static readonly double DemoDaySeconds = (TradingHours.DemoDay.DayClose - DemoDayOpen).TotalSeconds;

    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly DateTime _demoDate;
    /// <summary>How far into its first 08:00–20:00 day the demo starts: at that day's KRX open (09:00; 10:00 on a late
    /// open, the year's first trading day or the exam day, so data flows at once).</summary>
    private readonly double _demoStartOffsetSeconds;
    private readonly DateTime? _scenarioStart;
    private DemoDay _lastDay; // the last demo day's date (see DemoDate)

    /// <summary>A clock of <paramref name="mode"/>; <paramref name="resumeAt"/> (KST): a restart's market time, which a demo or
    /// scenario clock continues from instead of its start when it lies after it (a live clock is the wall clock).</summary>
    public MarketClock(TimeProvider time, MarketClockMode mode, double speed, DateTimeOffset? start = null, DateTime? resumeAt = null)
    {
        _time = time;
        // A scenario runs on the real (live) hours, from its own start.
        Mode = start is null ? mode : MarketClockMode.Live;
        _scenarioStart = start?.ToOffset(KoreaTime.Offset).DateTime;
        Speed = speed;
        _startTimestamp = time.GetTimestamp();
        _demoDate = AddTradingDays(time.GetUtcNow().ToOffset(KoreaTime.Offset).Date, 0);
        _lastDay = new DemoDay(0, _demoDate);
        _demoStartOffsetSeconds = (KrxOpenOn(_demoDate) - _demoDate - DemoDayOpen).TotalSeconds;
        if (resumeAt is { } resume && (Mode == MarketClockMode.Demo || _scenarioStart is not null))
            _resumeSeconds = Math.Max(0, _scenarioStart is { } from ? (resume - from).TotalSeconds : DemoSecondsOf(NextDemoMorningIfClosed(resume)));
    }

    /// <summary>
    /// Where a restarted demo clock continues: the saved time, or, when the saved KRX day's regular session had ended
    /// (15:40, after the closing print's window; 16:40 on the exam day), KRX's open on the next trading day, as KIS's
    /// paper server has a new day overnight. Continuing at 16:00 left a restarted simulator closed to stock orders
    /// (APBK0918) for the rest of its demo day.
    /// </summary>
    public static DateTime NextDemoMorningIfClosed(DateTime saved) =>
        saved.TimeOfDay < MarketCalendar.KrxStocks.Regular.End + KrxDayHours.On(saved).Close ? saved
            : KrxOpenOn(AddTradingDays(saved.Date, 1));

    /// <summary>KRX's regular open on <paramref name="date"/> (KST): 09:00, or later on a day of changed hours.</summary>
    private static DateTime KrxOpenOn(DateTime date) =>
        MarketCalendar.KrxStocks.OpenOf(DateOnly.FromDateTime(date), TradingSessions.Regular).DateTime; // Seoul: +09:00

    private readonly double _resumeSeconds; // market seconds a restarted clock starts ahead of its start

    public MarketClockMode Mode { get; }

    public double Speed { get; }

    /// <summary>Market time now, KST (under a replay: the recording's, see <see cref="FollowReplay"/>).</summary>
    public DateTime Now() => Volatile.Read(ref _replay) is { } replay ? replay.Now(_time)
        : _scenarioStart is { } start ? start + TimeSpan.FromSeconds(DemoSeconds())
        : Mode == MarketClockMode.Live ? WallKst() : DemoAt(DemoSeconds());

    private ReplayPoint? _replay; // null: not following a replay; swapped whole (one immutable point)

    /// <summary>
    /// Under a replay the market's time is the recording's (issue 55, item 6; issue 73, item 5): the market time of the
    /// record replayed last (its exchange stamp, <see cref="Rules.MarketTimeline"/>), moving on at the replay's
    /// <paramref name="speed"/> until the next (speed 0: it stays there). Orders are taken or refused, stamped and
    /// expire on it, as the backtest's. Never goes back, except from a <paramref name="provisional"/> point (the replay's
    /// start, records before the first stamped one: times of receipt), which the next point replaces whichever way it lies.
    /// </summary>
    public void FollowReplay(DateTime recordTime, double speed, bool provisional = false)
    {
        var now = Volatile.Read(ref _replay) is { Provisional: false } current ? current.Now(_time) : recordTime;
        Volatile.Write(ref _replay, new ReplayPoint(recordTime > now ? recordTime : now, _time.GetTimestamp(), speed, provisional));
    }

    /// <summary>The time of the record replayed last, when (provider timestamp) it was replayed, the replay's speed, and
    /// whether the next point may lie before it.</summary>
    private sealed record ReplayPoint(DateTime At, long Stamp, double Speed, bool Provisional)
    {
        public DateTime Now(TimeProvider time) => Speed == 0 ? At : At + time.GetElapsedTime(Stamp) * Speed;
    }

    /// <summary>True when the clock runs a scenario from <see cref="SimulatorOptions.MarketStart"/>.</summary>
    public bool IsScenario => _scenarioStart is not null;

    /// <summary>The wall clock in KST (PINGPONG's datetime, as the live server's own clock).</summary>
    public DateTime WallKst() => _time.GetUtcNow().ToOffset(KoreaTime.Offset).DateTime;

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
    private double DemoSeconds() => _resumeSeconds + _time.GetElapsedTime(_startTimestamp).TotalSeconds * Speed;

    private DateTime DemoAt(double seconds)
    {
        var total = seconds + _demoStartOffsetSeconds;
        var day = Math.Floor(total / DemoDaySeconds);
        var into = total - day * DemoDaySeconds;
        return DemoDate((int)day) + DemoDayOpen + TimeSpan.FromSeconds(into);
    }

    /// <summary>
    /// The date of demo day <paramref name="index"/>, counted on from the last one asked for: the clock moves forward,
    /// so a long fast demo does not walk every day since its start at each record. Any thread: the cache is one immutable
    /// pair, swapped whole.
    /// </summary>
    private DateTime DemoDate(int index)
    {
        var cached = Volatile.Read(ref _lastDay);
        if (cached.Index == index) return cached.Date;
        var date = index > cached.Index ? AddTradingDays(cached.Date, index - cached.Index) : AddTradingDays(_demoDate, index);
        Volatile.Write(ref _lastDay, new DemoDay(index, date));
        return date;
    }

    private sealed record DemoDay(int Index, DateTime Date);

    /// <summary>The <paramref name="days"/>-th trading day after <paramref name="date"/> (0: the date itself, or the next trading day when it does not
    /// trade).</summary>
    private static DateTime AddTradingDays(DateTime date, int days)
    {
        var d = Days.TradingDayOnOrAfter(DateOnly.FromDateTime(date));
        for (; days > 0; days--) d = Days.NextTradingDay(d);
        return d.ToDateTime(TimeOnly.MinValue);
    }

    /// <summary>Trading days from the trading day <paramref name="from"/> to <paramref name="to"/> (a day that does not trade counts as the next trading
    /// day).</summary>
    private static int TradingDaysBetween(DateTime from, DateTime to)
    {
        var end = Days.TradingDayOnOrAfter(DateOnly.FromDateTime(to));
        var n = 0;
        for (var d = DateOnly.FromDateTime(from); d < end; d = Days.NextTradingDay(d)) n++;
        return n;
    }

    /// <summary>The inverse of <see cref="DemoAt"/> for a time inside a demo day (08:00–20:00).</summary>
    private double DemoSecondsOf(DateTime market)
    {
        var cached = Volatile.Read(ref _lastDay);
        var day = market.Date >= cached.Date ? cached.Index + TradingDaysBetween(cached.Date, market.Date) : TradingDaysBetween(_demoDate, market.Date);
        var into = !Days.IsTradingDay(DateOnly.FromDateTime(market)) ? 0 : Math.Clamp((market.TimeOfDay - DemoDayOpen).TotalSeconds, 0, DemoDaySeconds);
        return day * DemoDaySeconds + into - _demoStartOffsetSeconds;
    }
}
