namespace Kis.Realtime.Internal;

/// <summary>
/// A market's time zone: a fixed offset, or US time with its summer time (the rule in force since 2007: from the
/// second Sunday of March 02:00 to the first Sunday of November 02:00 local). Written out rather than read from the
/// machine's tz database so a container without tzdata, Native AOT and every test machine agree to the tick.
/// </summary>
internal sealed class MarketTimeZone
{
    private readonly TimeSpan _standard;
    private readonly bool _usSummerTime;
    private SummerTime? _lastYear; // the last year looked up: trades come in order, so almost always a hit

    private MarketTimeZone(string id, TimeSpan standard, bool usSummerTime)
    {
        Id = id;
        _standard = standard;
        _usSummerTime = usSummerTime;
    }

    public string Id { get; }

    public static MarketTimeZone Seoul { get; } = new("Asia/Seoul", KoreaTime.Offset, false);
    public static MarketTimeZone Tokyo { get; } = new("Asia/Tokyo", TimeSpan.FromHours(9), false);
    public static MarketTimeZone HongKong { get; } = new("Asia/Hong_Kong", TimeSpan.FromHours(8), false);
    public static MarketTimeZone Shanghai { get; } = new("Asia/Shanghai", TimeSpan.FromHours(8), false);
    public static MarketTimeZone HoChiMinh { get; } = new("Asia/Ho_Chi_Minh", TimeSpan.FromHours(7), false);
    public static MarketTimeZone NewYork { get; } = new("America/New_York", TimeSpan.FromHours(-5), true);
    public static MarketTimeZone Chicago { get; } = new("America/Chicago", TimeSpan.FromHours(-6), true);

    /// <summary>The UTC offset at <paramref name="utcTicks"/>.</summary>
    public TimeSpan OffsetAt(long utcTicks)
    {
        if (!_usSummerTime) return _standard;
        var local = utcTicks + _standard.Ticks;
        var year = new DateTime(local).Year;
        var summer = _lastYear;
        if (summer is null || summer.Year != year) _lastYear = summer = SummerTime.Of(year, _standard);
        return utcTicks >= summer.StartUtc && utcTicks < summer.EndUtc ? _standard + TimeSpan.FromHours(1) : _standard;
    }

    /// <summary>The instant of a local wall-clock time (in the skipped spring hour: standard time; in the repeated
    /// autumn hour: the first, summer-time one).</summary>
    public DateTimeOffset FromLocal(long localTicks)
    {
        var summer = _standard + TimeSpan.FromHours(1);
        if (_usSummerTime && OffsetAt(localTicks - summer.Ticks) == summer)
            return new DateTimeOffset(localTicks, summer);
        return new DateTimeOffset(localTicks, OffsetAt(localTicks - _standard.Ticks));
    }

    /// <summary>One year's summer time, as UTC ticks (immutable: shared between threads without a lock).</summary>
    private sealed record SummerTime(int Year, long StartUtc, long EndUtc)
    {
        public static SummerTime Of(int year, TimeSpan standard)
        {
            var start = NthSunday(year, 3, 2).AddHours(2) - standard; // 02:00 standard time
            var end = NthSunday(year, 11, 1).AddHours(2) - standard - TimeSpan.FromHours(1); // 02:00 summer time
            return new SummerTime(year, start.Ticks, end.Ticks);
        }

        private static DateTime NthSunday(int year, int month, int n)
        {
            var first = new DateTime(year, month, 1);
            var sunday = first.AddDays(((int)DayOfWeek.Sunday - (int)first.DayOfWeek + 7) % 7);
            return sunday.AddDays(7 * (n - 1));
        }
    }
}
