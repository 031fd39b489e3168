using System.Globalization;

namespace Kis.Realtime;

/// <summary>What closes a bar.</summary>
public enum BarKind : byte
{
    /// <summary>A fixed interval (seconds, minutes, hours) on the market's own clock, aligned to its local midnight.</summary>
    Time = 1,
    /// <summary>One bar per trading day of the market's calendar.</summary>
    Day = 2,
    /// <summary>A fixed number of trades.</summary>
    Tick = 3,
    /// <summary>At least a given volume.</summary>
    Volume = 4,
    /// <summary>At least a given traded value.</summary>
    Value = 5,
}

/// <summary>
/// The kind and size of bars and which sessions they cover: <see cref="Minutes"/>, <see cref="Ticks"/>,
/// <see cref="Parse"/> ("1m", "100t" …), then <see cref="RegularOnly"/> or <see cref="Extended"/> (default: every session).
/// </summary>
public readonly record struct BarSpec
{
    private readonly TradingSessions _sessions; // None: not narrowed (every session), so default specs stay equal

    private BarSpec(BarKind kind, TimeSpan interval, decimal threshold, TradingSessions sessions = TradingSessions.None)
    {
        Kind = kind;
        Interval = interval;
        Threshold = threshold;
        _sessions = sessions == TradingSessions.All ? TradingSessions.None : sessions;
    }

    /// <summary>What closes a bar.</summary>
    public BarKind Kind { get; }
    /// <summary>The interval of time bars (one day for <see cref="BarKind.Day"/>); zero otherwise.</summary>
    public TimeSpan Interval { get; }
    /// <summary>Trades, volume or value per bar for tick, volume and value bars; zero for time bars.</summary>
    public decimal Threshold { get; }

    /// <summary>
    /// The sessions whose trades the bars cover (by the market's calendar, docs/bars.md): <see cref="TradingSessions.All"/>
    /// unless narrowed by <see cref="WithSessions"/>. Trades of other sessions are skipped and counted (their cumulative
    /// volume still checked: a gap one reveals flags the forming bar of its trading day, else the next bar); a daily bar
    /// closes on the clock at the end of the last of them. Combined with <see cref="BarOptions.Sessions"/>: a trade must
    /// be in both.
    /// </summary>
    public TradingSessions Sessions => _sessions == TradingSessions.None ? TradingSessions.All : _sessions;

    /// <summary>The same bars over <paramref name="sessions"/> only.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sessions"/> names no session.</exception>
    public BarSpec WithSessions(TradingSessions sessions) =>
        (sessions & TradingSessions.All) == TradingSessions.None || (sessions & ~TradingSessions.All) != 0
            ? throw new ArgumentOutOfRangeException(nameof(sessions), sessions, "Name at least one session.")
            : new BarSpec(Kind, Interval, Threshold, sessions);

    /// <summary>The same bars over the regular session only (KRX: 09:00–15:40 with the closing auction's print; US:
    /// 09:30–16:00 New York): the day's official open and close.</summary>
    public BarSpec RegularOnly() => WithSessions(TradingSessions.Regular);

    /// <summary>The same bars over the extended day: pre-market, regular and after-market, and for night derivatives
    /// (H0MF…, H0EU…) their night session, the extension of KRX's derivatives day.</summary>
    public BarSpec Extended() => WithSessions(TradingSessions.All);

    /// <summary>Time bars of <paramref name="interval"/>, which must divide a day into whole seconds (1 s … 12 h).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The interval is not a whole number of seconds dividing 24 h.</exception>
    public static BarSpec Time(TimeSpan interval)
    {
        if (interval < TimeSpan.FromSeconds(1) || interval > TimeSpan.FromHours(12) || interval.Ticks % TimeSpan.TicksPerSecond != 0
            || TimeSpan.TicksPerDay % interval.Ticks != 0)
            throw new ArgumentOutOfRangeException(nameof(interval), interval,
                "A bar interval must be whole seconds from 1 s to 12 h that divide 24 h (bars align to the market's local midnight).");
        return new BarSpec(BarKind.Time, interval, 0);
    }

    /// <summary>Bars of <paramref name="seconds"/> seconds.</summary>
    public static BarSpec Seconds(int seconds) => Time(TimeSpan.FromSeconds(seconds));
    /// <summary>Bars of <paramref name="minutes"/> minutes.</summary>
    public static BarSpec Minutes(int minutes) => Time(TimeSpan.FromMinutes(minutes));
    /// <summary>Bars of <paramref name="hours"/> hours.</summary>
    public static BarSpec Hours(int hours) => Time(TimeSpan.FromHours(hours));
    /// <summary>One bar per trading date.</summary>
    public static BarSpec Day { get; } = new(BarKind.Day, TimeSpan.FromDays(1), 0);

    /// <summary>Bars of <paramref name="trades"/> trades each.</summary>
    public static BarSpec Ticks(int trades) => new(BarKind.Tick, TimeSpan.Zero, Positive(trades, nameof(trades)));
    /// <summary>Bars closing at the trade that brings their volume to at least <paramref name="volume"/> (trades are not split).</summary>
    public static BarSpec Volume(long volume) => new(BarKind.Volume, TimeSpan.Zero, Positive(volume, nameof(volume)));
    /// <summary>Bars closing at the trade that brings their traded value to at least <paramref name="value"/>.</summary>
    public static BarSpec Value(decimal value) => new(BarKind.Value, TimeSpan.Zero, Positive(value, nameof(value)));

    /// <summary>
    /// Reads a spec: <c>30s</c>, <c>1m</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>, <c>100t</c> (trades), <c>10000v</c>
    /// (volume), <c>1000000000w</c> (value, ₩).
    /// </summary>
    /// <exception cref="FormatException">Not one of those forms.</exception>
    public static BarSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        if (s.Length >= 2 && decimal.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            try
            {
                switch (char.ToLowerInvariant(s[^1]))
                {
                    case 's' when n == decimal.Truncate(n): return Seconds((int)n);
                    case 'm' when n == decimal.Truncate(n): return Minutes((int)n);
                    case 'h' when n == decimal.Truncate(n): return Hours((int)n);
                    case 'd' when n == 1: return Day;
                    case 't' when n == decimal.Truncate(n): return Ticks((int)n);
                    case 'v' when n == decimal.Truncate(n): return Volume((long)n);
                    case 'w': return Value(n);
                }
            }
            catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
            {
                throw new FormatException($"Bar spec '{s}': {e.Message}", e);
            }
        }
        throw new FormatException($"Bar spec '{s}' is not one of 30s, 1m, 1h, 1d, 100t (trades), 10000v (volume), 1000000w (value).");
    }

    /// <summary>The size, as <see cref="Parse"/> reads it (e.g. "1m"); the sessions are not part of it.</summary>
    public override string ToString() => Kind switch
    {
        BarKind.Day => "1d",
        BarKind.Time when Interval.Ticks % TimeSpan.TicksPerHour == 0 => $"{Interval.Ticks / TimeSpan.TicksPerHour}h",
        BarKind.Time when Interval.Ticks % TimeSpan.TicksPerMinute == 0 => $"{Interval.Ticks / TimeSpan.TicksPerMinute}m",
        BarKind.Time => $"{Interval.Ticks / TimeSpan.TicksPerSecond}s",
        BarKind.Tick => $"{Threshold}t",
        BarKind.Volume => $"{Threshold}v",
        BarKind.Value => $"{Threshold}w",
        _ => "?",
    };

    private static decimal Positive(decimal value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Must be positive.");
}
