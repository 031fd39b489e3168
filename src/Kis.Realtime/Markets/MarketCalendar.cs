using System.Diagnostics.CodeAnalysis;

using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>One session of a market: its kind and its hours, counted from the local midnight of its trading day.</summary>
/// <param name="Kind">Which part of the trading day it is.</param>
/// <param name="Name">KIS's / the exchange's name for it.</param>
/// <param name="Start">Opening, from the trading day's local midnight (night sessions: 18:00).</param>
/// <param name="End">Closing, from the same midnight (night sessions: 30:00, i.e. 06:00 the next morning).</param>
public readonly record struct MarketSession(TradingSessions Kind, string Name, TimeSpan Start, TimeSpan End)
{
    private readonly TimeSpan? _continuousStart, _continuousEnd;

    /// <summary>When continuous trading begins inside the session (NXT's main market: 09:00:30); default <see cref="Start"/>.</summary>
    public TimeSpan ContinuousStart { get => _continuousStart ?? Start; init => _continuousStart = value; }

    /// <summary>When continuous trading ends (KRX: 15:20, where the closing call begins; NXT: 15:20); default <see cref="End"/>.</summary>
    public TimeSpan ContinuousEnd { get => _continuousEnd ?? End; init => _continuousEnd = value; }

    /// <summary>When the opening call auction before <see cref="Start"/> begins (KRX: 08:30; its print is stamped at
    /// <see cref="Start"/>); null when the session opens without one (NXT).</summary>
    public TimeSpan? OpeningCallStart { get; init; }

    /// <summary>When the closing call auction, from <see cref="ContinuousEnd"/>, ends (KRX: 15:30; its print is stamped
    /// then or, by its random end, up to a minute later, still in the session); null when there is none (NXT).</summary>
    public TimeSpan? ClosingCallEnd { get; init; }

    /// <summary>
    /// A closing auction whose print is stamped at <see cref="End"/> itself (the US closing cross at 16:00:00, Tokyo's
    /// and Shanghai's closing auctions): trades stamped from End up to this belong to this session, not to the next one,
    /// so the regular day bar closes at the official close. Null when the print comes before End (KRX's session runs to
    /// 15:40 for its print) or there is no closing auction (NXT).
    /// </summary>
    public TimeSpan? ClosingPrintUntil { get; init; }
}

/// <summary>
/// The trading calendar of the market a TR serves: its time zone, its sessions and which trading day an instant
/// belongs to. The one home of the day and session rules: gap detection, bars, the gateway's gap marker and the
/// simulator all ask it. KIS stamps every real-time record in KST; a trade of a US stock at 00:10 KST belongs to the
/// New York trading day that began the evening before, a night-derivatives trade at 02:00 KST to the session that opened
/// at 18:00. Weekends and the exchanges' holidays and changed hours (<see cref="MarketHolidays"/>) do not trade. Table
/// and provenance: docs/bars.md, "Markets and sessions" and "Holidays".
/// </summary>
public sealed class MarketCalendar
{

    private readonly MarketTimeZone _zone;
    private readonly long _dayStart;
    private readonly long _regularStart, _regularEnd; // from the trading day's local midnight
    private readonly long _lastEnd;                    // the last session's end, from the trading day's local midnight
    private readonly TradingSessions _onlySession;     // a market with one kind of session (night): every trade is it
    private readonly MarketSession _regular;
    private readonly string? _exchange; // its rows in MarketHolidays (XKRX, XNYS); null: weekends only

    private MarketCalendar(string name, MarketTimeZone zone, TimeSpan dayStart, params MarketSession[] sessions)
    {
        Name = name;
        // Every Seoul market is KRX's (its holidays close NXT and the derivatives too); the US one is the NYSE's.
        _exchange = zone == MarketTimeZone.Seoul ? "XKRX" : zone == MarketTimeZone.NewYork ? "XNYS" : null;
        _zone = zone;
        DayStart = dayStart;
        _dayStart = dayStart.Ticks;
        Sessions = sessions;
        var regular = Array.Find(sessions, s => s.Kind == TradingSessions.Regular);
        _regular = regular.Name is null ? sessions[0] : regular;
        (_regularStart, _regularEnd) = regular.Name is null ? (0, 0) : (regular.Start.Ticks, (regular.ClosingPrintUntil ?? regular.End).Ticks);
        _onlySession = regular.Name is null ? sessions[0].Kind : TradingSessions.None;
        _lastEnd = sessions.Max(s => s.End.Ticks);
    }

    /// <summary>The market's name, e.g. "KRX stocks".</summary>
    public string Name { get; }
    /// <summary>The IANA id of the market's time zone (Asia/Seoul, America/New_York …).</summary>
    public string TimeZoneId => _zone.Id;
    /// <summary>When a trading day begins, from its local midnight: zero, or 12:00 for a market whose session crosses
    /// midnight (the night derivatives' day D runs from D 12:00 to D+1 12:00 and holds the session opening at D 18:00).</summary>
    public TimeSpan DayStart { get; }
    /// <summary>The exchange whose holidays this market keeps (<see cref="MarketHolidays"/>: XKRX, XNYS); null when only
    /// weekends are known (Tokyo, Hong Kong, China, Vietnam, overseas futures).</summary>
    public string? HolidayExchange => _exchange;

    /// <summary>The sessions of a trading day, in order.</summary>
    public IReadOnlyList<MarketSession> Sessions { get; }

    private static TimeSpan At(int hours, int minutes) => new(hours, minutes, 0);
    // KIS stamps to the second: a print stamped hh:mm:00 at the close is in [close, close + 1 s).
    private static TimeSpan ClosingPrintSecond(int hours, int minutes) => new(hours, minutes, 1);
    private static MarketSession S(TradingSessions kind, string name, TimeSpan start, TimeSpan end) => new(kind, name, start, end);

    /// <summary>KRX stocks, ELWs, ETF NAV (H0ST…, H0EW…): pre-open after-hours 08:30–09:00, regular 09:00–15:40 (the
    /// closing auction 15:20–15:30 and its print, stamped 15:30:00 or up to a minute later), after-hours 15:40–18:00.</summary>
    public static MarketCalendar KrxStocks { get; } = new("KRX stocks", MarketTimeZone.Seoul, TimeSpan.Zero,
        S(TradingSessions.PreMarket, "pre-open after-hours (장전 시간외)", At(8, 30), At(9, 0)),
        S(TradingSessions.Regular, "regular session with the closing auction", At(9, 0), At(15, 40)) with
            { OpeningCallStart = At(8, 30), ContinuousEnd = At(15, 20), ClosingCallEnd = At(15, 30) },
        S(TradingSessions.AfterMarket, "after-hours (장후 시간외, 시간외 단일가)", At(15, 40), At(18, 0)));

    /// <summary>Nextrade (H0NX…): pre-market 08:00–08:50, main market 09:00–15:30 (traded 09:00:30–15:20; NXT has no
    /// closing auction), after-market 15:30–20:00.</summary>
    public static MarketCalendar Nextrade { get; } = new("NXT (Nextrade)", MarketTimeZone.Seoul, TimeSpan.Zero,
        S(TradingSessions.PreMarket, "pre-market", At(8, 0), At(8, 50)),
        S(TradingSessions.Regular, "main market", At(9, 0), At(15, 30)) with
            { ContinuousStart = new TimeSpan(9, 0, 30), ContinuousEnd = At(15, 20) },
        S(TradingSessions.AfterMarket, "after-market", At(15, 30), At(20, 0)));

    /// <summary>KRX and NXT together (H0UN…): NXT's pre-market, the regular session, NXT's after-market. The regular
    /// session ends at 15:31, not 15:30: KRX's closing auction ends at a random moment, so its print (the day's close)
    /// can be stamped 15:30:0x, and the unified feed cannot tell it from an NXT after-market trade of that minute.</summary>
    public static MarketCalendar Unified { get; } = new("KRX+NXT unified", MarketTimeZone.Seoul, TimeSpan.Zero,
        S(TradingSessions.PreMarket, "pre-market (NXT) and pre-open after-hours (KRX)", At(8, 0), At(9, 0)),
        S(TradingSessions.Regular, "regular session with the closing auction", At(9, 0), At(15, 31)) with
            { OpeningCallStart = At(8, 30), ContinuousEnd = At(15, 20), ClosingCallEnd = At(15, 30) },
        S(TradingSessions.AfterMarket, "after-market (NXT) and after-hours (KRX)", At(15, 31), At(20, 0)));

    /// <summary>KRX indices (H0UP…), computed through the regular session and the closing auction.</summary>
    public static MarketCalendar KrxIndices { get; } = new("KRX indices", MarketTimeZone.Seoul, TimeSpan.Zero,
        S(TradingSessions.Regular, "regular session", At(9, 0), At(15, 40)) with { ContinuousEnd = At(15, 20), ClosingCallEnd = At(15, 30) });

    /// <summary>KRX's exchange bond market (H0BJ…, H0BI…).</summary>
    public static MarketCalendar KrxBonds { get; } = new("KRX bonds", MarketTimeZone.Seoul, TimeSpan.Zero,
        S(TradingSessions.Regular, "regular session", At(9, 0), At(15, 30)));

    /// <summary>KRX derivatives' day session (H0IF…, H0IO…, H0CF…, H0ZF…, H0ZO…): 08:45–15:45.</summary>
    public static MarketCalendar KrxDerivatives { get; } = new("KRX derivatives (day)", MarketTimeZone.Seoul, TimeSpan.Zero,
        S(TradingSessions.Regular, "regular session", At(8, 45), At(15, 45)));

    /// <summary>KRX derivatives' night session (H0MF…, H0EU…): 18:00–06:00; its trading day is the date it opens.</summary>
    public static MarketCalendar KrxNightDerivatives { get; } = new("KRX derivatives (night)", MarketTimeZone.Seoul, TimeSpan.FromHours(12),
        S(TradingSessions.Night, "night session", At(18, 0), At(30, 0)));

    /// <summary>US stocks (HDFSCNT0 keys on NAS, NYS, AMS): New York time with its summer time; pre-market 04:00–09:30,
    /// regular 09:30–16:00 with the closing cross stamped 16:00:00 (regular), after-market 16:00:01–20:00. The trading day is New York's date (KIS's
    /// tymd).</summary>
    public static MarketCalendar UsStocks { get; } = new("US stocks", MarketTimeZone.NewYork, TimeSpan.Zero,
        S(TradingSessions.PreMarket, "pre-market", At(4, 0), At(9, 30)),
        S(TradingSessions.Regular, "regular session with the closing cross", At(9, 30), At(16, 0)) with { ClosingPrintUntil = ClosingPrintSecond(16, 0) },
        S(TradingSessions.AfterMarket, "after-market", At(16, 0), At(20, 0)));

    /// <summary>Tokyo Stock Exchange (keys on TSE): 09:00–15:30 Tokyo time.</summary>
    public static MarketCalendar Tokyo { get; } = new("Tokyo stocks", MarketTimeZone.Tokyo, TimeSpan.Zero,
        S(TradingSessions.Regular, "regular session with the closing auction", At(9, 0), At(15, 30)) with { ClosingPrintUntil = ClosingPrintSecond(15, 30) });

    /// <summary>Hong Kong (keys on HKS): 09:30–16:10 Hong Kong time (closing auction included).</summary>
    public static MarketCalendar HongKong { get; } = new("Hong Kong stocks", MarketTimeZone.HongKong, TimeSpan.Zero,
        S(TradingSessions.Regular, "regular session with the closing auction", At(9, 30), At(16, 10)));

    /// <summary>Shanghai and Shenzhen (keys on SHS, SZS, SHI, SZI): 09:30–15:00 China time.</summary>
    public static MarketCalendar China { get; } = new("China stocks", MarketTimeZone.Shanghai, TimeSpan.Zero,
        S(TradingSessions.Regular, "regular session with the closing call", At(9, 30), At(15, 0)) with { ClosingPrintUntil = ClosingPrintSecond(15, 0) });

    /// <summary>Ho Chi Minh and Hanoi (keys on HSX, HNX): 09:00–15:00 Vietnam time.</summary>
    public static MarketCalendar Vietnam { get; } = new("Vietnam stocks", MarketTimeZone.HoChiMinh, TimeSpan.Zero,
        S(TradingSessions.Regular, "regular session", At(9, 0), At(15, 0)));

    /// <summary>Overseas futures and options (HDFF…), as CME Globex: Chicago time, 17:00 the evening before to 16:00;
    /// the trading day is the date it closes.</summary>
    public static MarketCalendar OverseasFutures { get; } = new("overseas futures (CME Globex)", MarketTimeZone.Chicago, TimeSpan.FromHours(-7),
        S(TradingSessions.Regular, "Globex session", TimeSpan.FromHours(-7), At(16, 0)));

    /// <summary>Every calendar, for docs and tests.</summary>
    public static IReadOnlyList<MarketCalendar> All { get; } =
        [KrxStocks, Nextrade, Unified, KrxIndices, KrxBonds, KrxDerivatives, KrxNightDerivatives, UsStocks, Tokyo, HongKong, China, Vietnam, OverseasFutures];

    /// <summary>
    /// The calendar of <paramref name="trId"/>; for overseas stocks (HDFS…, H0GSCNI0) the key's market code decides
    /// (DNASAAPL: NAS, New York; DTSE7203: Tokyo …; no key: US). Unknown TRs: KRX stocks.
    /// </summary>
    public static MarketCalendar For(string trId, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(trId);
        return Known(trId, key) ?? KrxStocks;
    }

    /// <summary>The calendar of a TR of KIS's catalog, by the catalog's <c>market</c> of the TR (generated into
    /// <see cref="Protocol.TrDefinition"/>); null for an id the catalog does not have (then <see cref="For"/> says KRX).</summary>
    internal static MarketCalendar? Known(string trId, string? key = null)
        => KisTrs.TryGet(trId, out var tr) ? ForMarket(tr.Market, key) : null;

    /// <summary>The calendar the catalog's market name stands for; null for a name it does not know.</summary>
    internal static MarketCalendar? ForMarket(string? market, string? key = null) => market switch
    {
        "krx-stocks" => KrxStocks,
        "nextrade" => Nextrade,
        "unified" => Unified,
        "krx-indices" => KrxIndices,
        "krx-bonds" => KrxBonds,
        "krx-night-derivatives" => KrxNightDerivatives,
        "krx-derivatives" => KrxDerivatives,
        "overseas-stocks" => OverseasStock(key),
        "overseas-futures" => OverseasFutures,
        _ => null,
    };

    /// <summary>The calendar of a domestic stock venue's TRs (KRX: H0ST…, NXT: H0NX…, unified: H0UN…).</summary>
    internal static MarketCalendar ForVenue(StockVenue venue) => venue switch
    {
        StockVenue.Nxt => Nextrade,
        StockVenue.Unified => Unified,
        _ => KrxStocks,
    };

    /// <summary>The calendar of an overseas stock key (<c>D</c> or <c>R</c>, a three-letter market code, the symbol).</summary>
    private static MarketCalendar OverseasStock(string? key) =>
        key is null || key.Length < 4 ? UsStocks : key.AsSpan(1, 3) switch
        {
            "TSE" => Tokyo,
            "HKS" => HongKong,
            "SHS" or "SZS" or "SHI" or "SZI" => China,
            "HSX" or "HNX" => Vietnam,
            _ => UsStocks,
        };

    /// <summary>The market's UTC offset at <paramref name="instant"/>.</summary>
    public TimeSpan OffsetAt(DateTimeOffset instant) => _zone.OffsetAt(instant.UtcTicks);

    /// <summary><paramref name="instant"/> on the market's clock.</summary>
    public DateTimeOffset ToMarketTime(DateTimeOffset instant) => instant.ToOffset(_zone.OffsetAt(instant.UtcTicks));

    /// <summary>The trading day <paramref name="instant"/> belongs to.</summary>
    public DateOnly TradingDayOf(DateTimeOffset instant) => DateOnly.FromDayNumber(TradingDayNumber(instant.UtcTicks));

    /// <summary>
    /// The session a trade at <paramref name="instant"/> belongs to: before the regular session's opening pre-market,
    /// from its close after-market (so every trade has one, also one stamped between two sessions), except on a day of
    /// an early close (NYSE's, after-market to 17:00): a trade stamped after that day's last session is in
    /// <see cref="TradingSessions.None"/>, so no bar of any sessions takes it. A night market's trades are all
    /// <see cref="TradingSessions.Night"/>.
    /// </summary>
    public TradingSessions SessionOf(DateTimeOffset instant) => SessionAt(LocalTicks(instant.UtcTicks));

    /// <summary>True when <paramref name="instant"/> falls in one of the sessions of a trading day.</summary>
    public bool IsOpen(DateTimeOffset instant)
    {
        var local = LocalTicks(instant.UtcTicks);
        var day = DayNumberOfLocal(local);
        if (!IsTradingDay(DateOnly.FromDayNumber(day))) return false;
        var t = local - day * TimeSpan.TicksPerDay;
        var (openShift, closeShift) = HoursShift(day);
        foreach (var s in Sessions)
        {
            var startShift = s.Start >= _regular.End ? closeShift : openShift;
            var endShift = s.End <= _regular.Start ? openShift : closeShift;
            if (t >= (s.Start + startShift).Ticks && t < (s.End + endShift).Ticks) return true;
        }
        return false;
    }

    /// <summary>Weekdays trade, except the exchange's holidays (<see cref="MarketHolidays"/>, <see cref="HolidayExchange"/>).</summary>
    public bool IsTradingDay(DateOnly day) =>
        day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && (_exchange is null || !MarketHolidays.IsClosed(_exchange, day.DayNumber));

    /// <summary>The first trading day after <paramref name="day"/> (after Friday: Monday).</summary>
    public DateOnly NextTradingDay(DateOnly day)
    {
        do day = day.AddDays(1); while (!IsTradingDay(day));
        return day;
    }

    /// <summary><paramref name="day"/> when it trades, else the next trading day (a Saturday: the Monday after).</summary>
    public DateOnly TradingDayOnOrAfter(DateOnly day) => IsTradingDay(day) ? day : NextTradingDay(day);

    /// <summary>The regular session (for a market with none, e.g. the night session, its only session).</summary>
    public MarketSession Regular => _regular;

    /// <summary>When the first of <paramref name="sessions"/> opens on <paramref name="day"/>.</summary>
    /// <exception cref="ArgumentException">The market has none of those sessions.</exception>
    public DateTimeOffset OpenOf(DateOnly day, TradingSessions sessions) => Edge(day, sessions, open: true);

    /// <summary>When the last of <paramref name="sessions"/> closes on <paramref name="day"/>.</summary>
    /// <exception cref="ArgumentException">The market has none of those sessions.</exception>
    public DateTimeOffset CloseOf(DateOnly day, TradingSessions sessions) => Edge(day, sessions, open: false);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({TimeZoneId})";

    private DateTimeOffset Edge(DateOnly day, TradingSessions sessions, bool open) =>
        EdgeTicks(day.DayNumber, sessions, open) is { } local ? _zone.FromLocal(local)
            : throw new ArgumentException($"{Name} has no {sessions} session.", nameof(sessions));

    /// <summary>When the last of <paramref name="sessions"/> closes on trading day <paramref name="day"/>, on the local
    /// wall clock (ticks); null when the market has none of them.</summary>
    internal long? CloseTicks(int day, TradingSessions sessions) => EdgeTicks(day, sessions, open: false);

    private long? EdgeTicks(int day, TradingSessions sessions, bool open)
    {
        long? edge = null;
        // Changed hours (the table's): the sessions up to the regular one's opening move by the opening delay, the
        // regular one's close and the sessions after it by the closing one (KRX's exam day: all an hour; NYSE's early
        // close: 13:00, its after-market to 17:00).
        var (openShift, closeShift) = HoursShift(day);
        foreach (var s in Sessions)
        {
            if ((s.Kind & sessions) == 0) continue;
            var before = s.End <= _regular.Start;
            var after = s.Start >= _regular.End;
            var t = open ? s.Start.Ticks + (after ? closeShift : openShift).Ticks
                : s.End.Ticks + (before ? openShift : closeShift).Ticks;
            if (edge is not { } e || (open ? t < e : t > e)) edge = t;
        }
        return edge is { } found ? MidnightOf(day) + found : null;
    }

    // Hot paths, on ticks: no DateTimeOffset per trade.

    /// <summary>The market's wall clock (DateTime ticks) at <paramref name="utcTicks"/>.</summary>
    internal long LocalTicks(long utcTicks) => utcTicks + _zone.OffsetAt(utcTicks).Ticks;

    /// <summary>The market's UTC offset at <paramref name="utcTicks"/>.</summary>
    internal TimeSpan OffsetAtUtc(long utcTicks) => _zone.OffsetAt(utcTicks);

    /// <summary>The trading day (a <see cref="DateOnly.DayNumber"/>) of <paramref name="utcTicks"/>.</summary>
    [Experimental("KISRT0001")]
    public int TradingDayNumber(long utcTicks) => DayNumberOfLocal(LocalTicks(utcTicks));

    /// <summary>The trading day of a local wall-clock time.</summary>
    internal int DayNumberOfLocal(long localTicks) => (int)((localTicks - _dayStart) / TimeSpan.TicksPerDay);

    /// <summary>The local midnight (ticks) of trading day <paramref name="day"/>: sessions count from it.</summary>
    internal static long MidnightOf(int day) => day * TimeSpan.TicksPerDay;

    /// <summary>The session of a local wall-clock time (see <see cref="SessionOf"/>).</summary>
    internal TradingSessions SessionAt(long localTicks)
    {
        if (_onlySession != TradingSessions.None) return _onlySession;
        var day = DayNumberOfLocal(localTicks);
        var t = localTicks - MidnightOf(day);
        // A day of changed hours (the table's: KRX's late opens, NYSE's early closes) moves the regular session's edges.
        var (openShift, closeShift) = day <= 0 ? default : HoursShift(day);
        // An early close ends the after-market early too (NYSE: 17:00): a print after that day's last second is in none.
        if (closeShift < TimeSpan.Zero && t >= _lastEnd + closeShift.Ticks + TimeSpan.TicksPerSecond) return TradingSessions.None;
        return t < _regularStart + openShift.Ticks ? TradingSessions.PreMarket
            : t < _regularEnd + closeShift.Ticks ? TradingSessions.Regular : TradingSessions.AfterMarket;
    }

    /// <summary>
    /// The changed hours of trading day <paramref name="day"/> (the table's open and close delays). None for the night
    /// derivatives: KRX's late opens and the exam day move the day's sessions, while the night session keeps 18:00–06:00
    /// (KRX's notices, see Markets/holidays.csv), so a night trade at 18:30 or 06:30 of such a day is dated as on any other.
    /// </summary>
    private (TimeSpan Open, TimeSpan Close) HoursShift(int day) =>
        _exchange is null || _onlySession == TradingSessions.Night ? default : MarketHolidays.HoursShift(_exchange, day);

    /// <summary>KST wall-clock ticks (how KIS stamps records) to UTC ticks.</summary>
    [Experimental("KISRT0001")]
    public static long KstToUtc(long kstTicks) => kstTicks - KoreaTime.Offset.Ticks;
}
