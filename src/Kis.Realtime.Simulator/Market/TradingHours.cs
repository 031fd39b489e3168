using Kis.Realtime.Protocol;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// When a TR has data, as windows of KST time of day on trading days. KRX: pre-open 08:30–09:00, regular session
/// 09:00–15:20, closing auction 15:20–15:30, after-hours 15:40–18:00; Nextrade (NXT): pre-market 08:00–08:50, main
/// 09:00(:30)–15:20, after-market 15:30–20:00. Markets in another time zone or whose session crosses midnight (US
/// and other overseas stocks, night derivatives, overseas futures) follow the library's <see cref="MarketCalendar"/>
/// in live mode: their sessions on their own clock (New York's summer time included). Holidays are not modelled
/// (weekends are).
/// </summary>
internal sealed class TradingHours
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);
    private readonly (TimeSpan Open, TimeSpan Close)[] _windows;
    private readonly MarketCalendar? _calendar;

    private TradingHours(string description, params (TimeSpan Open, TimeSpan Close)[] windows)
    {
        Description = description;
        _windows = windows;
    }

    private TradingHours(MarketCalendar calendar)
    {
        Description = $"{calendar.Name}: {string.Join(", ", calendar.Sessions.Select(s => $"{s.Start:hh\\:mm}–{s.End:hh\\:mm}"))} {calendar.TimeZoneId}";
        _windows = [];
        _calendar = calendar;
    }

    private static readonly Dictionary<MarketCalendar, TradingHours> OfCalendar = MarketCalendar.All.ToDictionary(c => c, c => new TradingHours(c));

    /// <summary>The sessions of <paramref name="calendar"/> on its own clock.</summary>
    public static TradingHours Of(MarketCalendar calendar) => OfCalendar[calendar];

    public string Description { get; }

    private static TimeSpan At(int h, int m) => new(h, m, 0);

    /// <summary>Indices are calculated through the regular session and the closing auction.</summary>
    public static readonly TradingHours Index = new("KRX index 09:00–15:30", (At(9, 0), At(15, 30)));

    /// <summary>KRX's exchange bond market.</summary>
    public static readonly TradingHours Bonds = new("KRX bonds 09:00–15:30", (At(9, 0), At(15, 30)));

    /// <summary>
    /// NXT: pre-market, main and after-market sessions. NXT's main session opens at 09:00:30; the simulator opens it at
    /// 09:00 so a demo day shows every TR at once.
    /// </summary>
    public static readonly TradingHours Nextrade = new("NXT 08:00–08:50, 09:00–15:20, 15:30–20:00",
        (At(8, 0), At(8, 50)), (At(9, 0), At(15, 20)), (At(15, 30), At(20, 0)));

    /// <summary>KRX and NXT together: NXT's pre-market and after-market around KRX's day (KRX pre-open overlaps NXT).</summary>
    public static readonly TradingHours KrxAndNextrade = new("KRX+NXT 08:00–08:50, 09:00–20:00",
        (At(8, 0), At(8, 50)), (At(9, 0), At(20, 0)));

    /// <summary>KRX derivatives' regular session (the night session is not modelled).</summary>
    public static readonly TradingHours Derivatives = new("KRX derivatives 08:45–15:45", (At(8, 45), At(15, 45)));

    /// <summary>KRX's regular session with the closing auction (stocks, ELWs, ETF NAV, market status).</summary>
    public static readonly TradingHours KrxStocks = new("KRX stocks 09:00–15:30", (At(9, 0), At(15, 30)));

    /// <summary>
    /// KRX's stock trades: the opening print at 09:00, the regular session to 15:20, the closing auction 15:20–15:30
    /// (no trades: <see cref="StockBook.HasTradeAt"/>) and its print at or after 15:30. The window stays open to 15:40 so a
    /// slow pace still sends the closing print; nothing trades after it. A clock that jumps past 15:40 first still gets
    /// the print, stamped 15:30 (<see cref="MarketStream.OwedAt"/>).
    /// </summary>
    public static readonly TradingHours KrxStockTrades = new("KRX stock trades 09:00–15:30 (closing print at or after 15:30, by 15:40)", (At(9, 0), At(15, 40)));

    /// <summary>KRX's auctions: the pre-open 08:30–09:00 and the closing auction 15:20–15:30 (expected trades).</summary>
    public static readonly TradingHours KrxAuctions = new("KRX auctions 08:30–09:00, 15:20–15:30", (At(8, 30), At(9, 0)), (At(15, 20), At(15, 30)));

    /// <summary>KRX's after-hours sessions: closing price 15:40–16:00, single price 16:00–18:00.</summary>
    public static readonly TradingHours KrxAfterHours = new("KRX after-hours 15:40–18:00", (At(15, 40), At(18, 0)));

    /// <summary>The whole demo day (08:00–20:00): in demo mode, TRs whose real hours fall outside KRX's day send all day.</summary>
    public static readonly TradingHours DemoDay = new("the demo day 08:00–20:00", (At(8, 0), At(20, 0)));

    /// <summary>The live hours of a TR (see <see cref="For(TrDefinition, string?, MarketClockMode)"/>).</summary>
    public static TradingHours For(TrDefinition tr, string? key = null) => For(tr, key, MarketClockMode.Live);

    /// <summary>
    /// When <paramref name="tr"/> sends (for <paramref name="key"/>: an overseas stock's market). Live: its real
    /// sessions. Demo: the same for the day-session TRs, and the whole demo day for TRs whose real sessions lie outside
    /// it or are short (auctions, after-hours, night, overseas), so a demo shows every TR at once.
    /// </summary>
    public static TradingHours For(TrDefinition tr, string? key, MarketClockMode mode)
    {
        // Another time zone, or a session across midnight: the calendar's sessions (one rule with gaps and bars).
        var calendar = MarketCalendar.For(tr.Id, key);
        if (calendar.TimeZoneId != "Asia/Seoul" || calendar.DayStart != TimeSpan.Zero)
            return mode == MarketClockMode.Demo ? DemoDay : Of(calendar);
        if (tr == KisTrs.IndexTicks) return Index;
        if (tr == KisTrs.BondTrades) return Bonds;
        if (tr == KisTrs.ProgramTradesNxt) return Nextrade;
        if (tr == KisTrs.ProgramTradesUnified) return KrxAndNextrade;
        if (tr == KisTrs.FuturesOptionsNotices || tr == KisTrs.FuturesOptionsNoticesPaper) return Derivatives;
        var id = tr.Id;
        var live = id switch
        {
            "H0STANC0" or "H0UPANC0" or "H0EWANC0" => KrxAuctions,
            "H0NXANC0" or "H0UNANC0" => KrxAuctions,
            "H0STOUP0" or "H0STOAC0" or "H0STOAA0" => KrxAfterHours,
            "H0STCNT0" => KrxStockTrades,
            _ when id.StartsWith("H0NX", StringComparison.Ordinal) => Nextrade,
            _ when id.StartsWith("H0UN", StringComparison.Ordinal) => KrxAndNextrade,
            _ when id.StartsWith("H0UP", StringComparison.Ordinal) => Index,
            _ when id.StartsWith("H0BJ", StringComparison.Ordinal) || id.StartsWith("H0BI", StringComparison.Ordinal) => Bonds,
            _ when id.StartsWith("H0IF", StringComparison.Ordinal) || id.StartsWith("H0IO", StringComparison.Ordinal) || id.StartsWith("H0CF", StringComparison.Ordinal)
                   || id.StartsWith("H0ZF", StringComparison.Ordinal) || id.StartsWith("H0ZO", StringComparison.Ordinal) => Derivatives,
            _ => KrxStocks,
        };
        if (mode == MarketClockMode.Demo && (live == KrxAuctions || live == KrxAfterHours))
            return DemoDay;
        return live;
    }

    /// <summary>
    /// The first window's opening time of day (where cumulative day totals start from); zero for a calendar's market
    /// (its generic day totals do not depend on it).
    /// </summary>
    public TimeSpan DayOpen => _windows.Length > 0 ? _windows[0].Open : TimeSpan.Zero;

    /// <summary>The market calendar these hours follow, when they are a calendar's.</summary>
    public MarketCalendar? Calendar => _calendar;

    /// <summary>True when <paramref name="kst"/> falls in a window (weekends closed, in every clock mode).</summary>
    public bool IsOpen(DateTime kst)
    {
        if (_calendar is { } calendar) return calendar.IsOpen(new DateTimeOffset(kst, Kst));
        if (IsWeekend(kst)) return false;
        var t = kst.TimeOfDay;
        foreach (var (open, close) in _windows)
            if (t >= open && t < close) return true;
        return false;
    }

    /// <summary>
    /// The next moment at or after <paramref name="kst"/> when a window is open (<paramref name="kst"/> itself when
    /// open now). Looks up to a week ahead, which always finds a window.
    /// </summary>
    public DateTime NextOpen(DateTime kst)
    {
        if (_calendar is { } calendar) return NextOpen(calendar, kst);
        for (var day = 0; day < 8; day++)
        {
            var date = kst.Date.AddDays(day);
            if (IsWeekend(date)) continue;
            foreach (var (open, close) in _windows)
            {
                var start = date + open;
                if (kst < date + close) return start > kst ? start : kst;
            }
        }
        throw new InvalidOperationException("No trading window within a week.");
    }

    private static DateTime NextOpen(MarketCalendar calendar, DateTime kst)
    {
        var instant = new DateTimeOffset(kst, Kst);
        var today = calendar.TradingDayOf(instant);
        for (var day = today.AddDays(-1); day <= today.AddDays(8); day = day.AddDays(1))
        {
            if (!calendar.IsTradingDay(day)) continue;
            foreach (var session in calendar.Sessions)
            {
                var close = calendar.CloseOf(day, session.Kind);
                if (instant >= close) continue;
                var open = calendar.OpenOf(day, session.Kind);
                return (open > instant ? open : instant).ToOffset(Kst).DateTime;
            }
        }
        throw new InvalidOperationException("No trading window within a week.");
    }

    public static bool IsWeekend(DateTime d) => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    /// <inheritdoc/>
    public override string ToString() => Description;
}
