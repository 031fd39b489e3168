using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Core;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// When a TR has data: windows of the library's <see cref="MarketCalendar"/> sessions on its trading days, so the
/// simulator, gap detection and bars share one model of the day. Seoul markets whose day stays within the KST date
/// (KRX, NXT, indices, bonds, day derivatives) are windows of KST time of day cut from their calendar's sessions (KRX's
/// auctions, NXT's main market to 15:20 …); markets in another time zone or whose session crosses midnight (US and other
/// overseas stocks, night derivatives, overseas futures) run the calendar's sessions on their own clock (New York's
/// summer time included). Weekends and the calendars' holidays do not trade; in demo mode a market on another clock
/// stamps each demo day on a trading day of its own (<see cref="DemoDays"/>: Thanksgiving's demo day on the Friday after).
/// </summary>
internal sealed partial class TradingHours
{
    private readonly (TimeSpan Open, TimeSpan Close)[] _windows;
    // False for hours that are not the market's sessions (the demo day, the paper venue's whole day): they never move.
    private bool FollowsChangedHours { get; init; } = true;
    private readonly MarketCalendar _calendar;
    private readonly bool _ownClock; // the calendar's sessions on the market's own clock, not KST windows
    private readonly MarketCalendar? _demoMarket; // demo mode: whose trading day a demo day's records are stamped on
    private readonly DemoDays? _demoDays;         // demo mode: that market's trading day of each demo day

    private TradingHours(string name, MarketCalendar calendar, params (TimeSpan Open, TimeSpan Close)[] windows)
    {
        Description = $"{name} {string.Join(", ", windows.Select(w => $"{w.Open:hh\\:mm}–{w.Close:hh\\:mm}"))}";
        _windows = windows;
        _calendar = calendar;
    }

    /// <summary>The demo day's hours for a market on another clock (see <see cref="RecordTime"/>).</summary>
    private TradingHours(TradingHours demoDay, MarketCalendar market)
    {
        Description = $"{demoDay.Description}, as {market.Name}'s last {DemoDayLength.TotalHours:0} hours";
        _windows = demoDay._windows;
        _calendar = demoDay._calendar;
        _demoMarket = market;
        FollowsChangedHours = false;
        _demoDays = new DemoDays(demoDay._calendar, market);
    }

    private TradingHours(MarketCalendar calendar)
    {
        Description = $"{calendar.Name}: {string.Join(", ", calendar.Sessions.Select(s => $"{s.Start:hh\\:mm}–{s.End:hh\\:mm}"))} {calendar.TimeZoneId}";
        _windows = [];
        _calendar = calendar;
        _ownClock = true;
    }

    private static readonly Dictionary<MarketCalendar, TradingHours> OfCalendar = MarketCalendar.All.ToDictionary(c => c, c => new TradingHours(c));

    /// <summary>The sessions of <paramref name="calendar"/> on its own clock.</summary>
    public static TradingHours Of(MarketCalendar calendar) => OfCalendar[calendar];

    public string Description { get; }

    private static MarketSession Session(MarketCalendar calendar, TradingSessions kind) => calendar.Sessions.First(s => s.Kind == kind);
    private static readonly MarketSession Krx = MarketCalendar.KrxStocks.Regular;
    private static readonly MarketSession KrxAfter = Session(MarketCalendar.KrxStocks, TradingSessions.AfterMarket);
    private static readonly MarketSession NxtPre = Session(MarketCalendar.Nextrade, TradingSessions.PreMarket);
    private static readonly MarketSession NxtMain = MarketCalendar.Nextrade.Regular;
    private static readonly MarketSession NxtAfter = Session(MarketCalendar.Nextrade, TradingSessions.AfterMarket);
    private static readonly MarketSession UnifiedPre = Session(MarketCalendar.Unified, TradingSessions.PreMarket);
    private static readonly MarketSession UnifiedAfter = Session(MarketCalendar.Unified, TradingSessions.AfterMarket);

    /// <summary>A session's hours up to its closing call's end (an index's last value, the closing print's 15:30).</summary>
    private static (TimeSpan, TimeSpan) ToClosingCall(MarketSession s) => (s.Start, s.ClosingCallEnd ?? s.End);

    /// <summary>Indices are calculated through the regular session and the closing auction.</summary>
    public static readonly TradingHours Index = new("KRX index", MarketCalendar.KrxIndices, ToClosingCall(MarketCalendar.KrxIndices.Regular));

    /// <summary>KRX's exchange bond market.</summary>
    public static readonly TradingHours Bonds = new("KRX bonds", MarketCalendar.KrxBonds, (MarketCalendar.KrxBonds.Regular.Start,
        MarketCalendar.KrxBonds.Regular.End));

    /// <summary>
    /// NXT: pre-market, main market to the end of its continuous trading (15:20; no closing auction) and after-market.
    /// The main market trades from 09:00:30 (<see cref="MarketSession.ContinuousStart"/>); the simulator opens it with the
    /// session at 09:00 so a demo day, which starts at 09:00, shows every TR at once.
    /// </summary>
    public static readonly TradingHours Nextrade = new("NXT", MarketCalendar.Nextrade,
        (NxtPre.Start, NxtPre.End), (NxtMain.Start, NxtMain.ContinuousEnd), (NxtAfter.Start, NxtAfter.End));

    /// <summary>KRX and NXT together: NXT's pre-market, then from KRX's open to NXT's after-market close (KRX's pre-open
    /// trades are not simulated).</summary>
    public static readonly TradingHours KrxAndNextrade = new("KRX+NXT", MarketCalendar.Unified,
        (NxtPre.Start, NxtPre.End), (Krx.Start, NxtAfter.End));

    /// <summary>KRX derivatives' day session.</summary>
    public static readonly TradingHours Derivatives = new("KRX derivatives", MarketCalendar.KrxDerivatives,
        (MarketCalendar.KrxDerivatives.Regular.Start, MarketCalendar.KrxDerivatives.Regular.End));

    /// <summary>KRX's regular session with the closing auction (stocks, ELWs, ETF NAV, market status): 09:00–15:30.</summary>
    public static readonly TradingHours KrxStocks = new("KRX stocks", MarketCalendar.KrxStocks, ToClosingCall(Krx));

    /// <summary>
    /// KRX's stock trades: the regular session (09:00–15:40): the opening print at 09:00, continuous trading to 15:20, the
    /// closing auction 15:20–15:30 (no trades: <see cref="StockBook.HasTradeAt"/>) and its print at or after 15:30. The
    /// window stays open to the session's end so a slow pace still sends the closing print; nothing trades after it. A
    /// clock that jumps past 15:40 first still gets the print, stamped 15:30 (<see cref="MarketStream.OwedAt"/>).
    /// </summary>
    public static readonly TradingHours KrxStockTrades = new("KRX stock trades", MarketCalendar.KrxStocks, (Krx.Start, Krx.End));

    /// <summary>KRX's auctions: the pre-open 08:30–09:00 and the closing auction 15:20–15:30 (expected trades).</summary>
    public static readonly TradingHours KrxAuctions = new("KRX auctions", MarketCalendar.KrxStocks,
        (Krx.OpeningCallStart!.Value, Krx.Start), (Krx.ContinuousEnd, Krx.ClosingCallEnd!.Value));

    /// <summary>
    /// Null when KRX takes an order of the product at <paramref name="kst"/>, the market's time (a recording's: its own
    /// stamps): a stock's from the pre-open auction to the closing auction's end (<see cref="KrxAuctions"/>,
    /// <see cref="KrxStocks"/>), a day-session future's or option's in <see cref="Derivatives"/>, on trading days; else the
    /// refusal KIS answers (<see cref="PreTradeCheck.MarketClosed"/>). Both venues' one rule (issue 73, finding 5): paper
    /// under a replay refused orders the backtest took at any hour.
    /// </summary>
    public static VenueRefusal? OrderHours(bool derivative, DateTime kst)
        => (derivative ? Derivatives.IsOpen(kst) : KrxAuctions.IsOpen(kst) || KrxStocks.IsOpen(kst)) ? null : PreTradeCheck.MarketClosed(derivative);

    /// <summary>
    /// When a day order of the product taken at <paramref name="kst"/> (the market's time) ends: the end of that day's
    /// <see cref="OrderHours"/> for its market, a stock's at the closing auction's end (15:30), a day-session future's or
    /// option's at 15:45, moved with KRX's changed hours as the hours are. Both venues' one rule (issue 73): what is left
    /// of an order expires then (<c>VenueCore.ExpireDue</c>), as KRX ends its day orders.
    /// </summary>
    public static DateTime OrderHoursEnd(bool derivative, DateTime kst)
    {
        var hours = derivative ? Derivatives : KrxStocks;
        return kst.Date + hours.Window(hours._windows.Length - 1, KrxDayHours.On(kst)).Close;
    }

    /// <summary>KRX's after-hours sessions: closing price 15:40–16:00, single price 16:00–18:00.</summary>
    public static readonly TradingHours KrxAfterHours = new("KRX after-hours", MarketCalendar.KrxStocks, (KrxAfter.Start, KrxAfter.End));

    /// <summary>The whole demo day, the KRX+NXT day (08:00–20:00): in demo mode, TRs whose real hours fall outside KRX's
    /// day send all day (markets on another clock stamped on their own trading day, see <see cref="RecordTime"/>).</summary>
    public static readonly TradingHours DemoDay = new("the demo day", MarketCalendar.Unified, (UnifiedPre.Start, UnifiedAfter.End))
    {
        FollowsChangedHours = false,
    };

    private static readonly TimeSpan DemoDayLength = UnifiedAfter.End - UnifiedPre.Start;

    /// <summary>The demo day of each market on another clock, stamped on its own trading day (<see cref="RecordTime"/>).</summary>
    private static readonly Dictionary<MarketCalendar, TradingHours> DemoOfCalendar = MarketCalendar.All.ToDictionary(c => c, c => new TradingHours(DemoDay,
        c));

    /// <summary>The paper venue's order notices: the whole of every trading day (the venue says when it has a notice).</summary>
    public static readonly TradingHours Venue = new("the paper venue's notices", MarketCalendar.KrxStocks, (TimeSpan.Zero, TimeSpan.FromDays(1)))
    {
        FollowsChangedHours = false,
    };

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
            return mode == MarketClockMode.Demo ? DemoOfCalendar[calendar] : Of(calendar);
        if (tr == KisTrs.ProgramTradesNxt) return Nextrade;
        if (tr == KisTrs.ProgramTradesUnified) return KrxAndNextrade;
        if (tr == KisTrs.FuturesOptionsNotices || tr == KisTrs.FuturesOptionsNoticesPaper) return Derivatives;
        // The TRs with hours of their own (views.json's simulator_hours, TradingHours.g.cs); the others their market's.
        var live = SessionOf(tr.Id) ?? calendar switch
        {
            _ when calendar == MarketCalendar.Nextrade => Nextrade,
            _ when calendar == MarketCalendar.Unified => KrxAndNextrade,
            _ when calendar == MarketCalendar.KrxIndices => Index,
            _ when calendar == MarketCalendar.KrxBonds => Bonds,
            _ when calendar == MarketCalendar.KrxDerivatives => Derivatives,
            _ => KrxStocks,
        };
        if (mode == MarketClockMode.Demo && (live == KrxAuctions || live == KrxAfterHours))
            return DemoDay;
        return live;
    }

    /// <summary>
    /// The time a record written at market time <paramref name="now"/> (KST) carries: <paramref name="now"/>, except in
    /// demo mode for a market on another clock (US and other overseas stocks, night derivatives, overseas futures). A
    /// demo day (trading day D, 08:00–20:00 KST) is then the last 12 hours of that market's trading day D, up to its
    /// last session's close (US: 08:00–20:00 New York, the regular session and the after-market; night derivatives: the
    /// whole 18:00–06:00 session), stamped in KST as KIS stamps it. So every record is dated on a weekday of its own
    /// market, the day totals restart once a demo day, and a client's calendar (which takes a US record's trading day
    /// from its KST stamp, a night trade's from 18:00) agrees, without a second day rule. The stamps run ahead of the
    /// demo clock (a US record at 08:00 KST is stamped 21:00 or 22:00 KST), monotonic within and across demo days. The
    /// market's day is <see cref="DemoDays"/>' (the demo date, or a later trading day when that market does not trade
    /// then), and its close that day's (the NYSE's early close: 17:00).
    /// </summary>
    public DateTime RecordTime(DateTime now)
    {
        if (_demoMarket is not { } market) return now;
        var into = now.TimeOfDay - DayOpen;
        into = into < TimeSpan.Zero ? TimeSpan.Zero : into >= DemoDayLength ? DemoDayLength - TimeSpan.FromTicks(1) : into;
        var close = market.CloseOf(_demoDays!.Of(DateOnly.FromDateTime(now)), TradingSessions.All);
        return (close - DemoDayLength + into).ToOffset(KoreaTime.Offset).DateTime;
    }

    /// <summary>
    /// The first window's opening time of day (where cumulative day totals start from); zero for a calendar's market
    /// (its generic day totals do not depend on it).
    /// </summary>
    public TimeSpan DayOpen => _windows.Length > 0 ? _windows[0].Open : TimeSpan.Zero;

    /// <summary>
    /// <see cref="DayOpen"/> on the KST day of <paramref name="kst"/>: an hour later on KRX's late-open days
    /// (<see cref="KrxDayHours"/>).
    /// </summary>
    public TimeSpan OpenOn(DateTime kst) => _windows.Length > 0 ? Window(0, KrxDayHours.On(kst)).Open : TimeSpan.Zero;

    /// <summary>
    /// Window <paramref name="index"/> on a day of <paramref name="hours"/>: a KST window of a Seoul market moves with
    /// KRX's changed hours as the calendar moves its sessions (edges up to the regular session's continuous start with
    /// the open, later ones with the close); the demo day and the venue's day do not move.
    /// </summary>
    private (TimeSpan Open, TimeSpan Close) Window(int index, KrxDayHours hours)
    {
        var (open, close) = _windows[index];
        if (!FollowsChangedHours) return (open, close);
        var start = _calendar.Regular.ContinuousStart;
        return (hours.Moved(open, start), hours.Moved(close, start));
    }

    /// <summary>The last window's closing time of day; zero for a calendar's market.</summary>
    public TimeSpan DayClose => _windows.Length > 0 ? _windows[^1].Close : TimeSpan.Zero;

    /// <summary>The market calendar these hours follow.</summary>
    public MarketCalendar Calendar => _calendar;

    /// <summary>True when <paramref name="kst"/> falls in a window (weekends closed, in every clock mode).</summary>
    public bool IsOpen(DateTime kst)
    {
        if (_ownClock) return _calendar.IsOpen(new DateTimeOffset(kst, KoreaTime.Offset));
        if (!_calendar.IsTradingDay(DateOnly.FromDateTime(kst))) return false;
        var t = kst.TimeOfDay;
        var hours = KrxDayHours.On(kst);
        for (var i = 0; i < _windows.Length; i++)
        {
            var (open, close) = Window(i, hours);
            if (t >= open && t < close) return true;
        }
        return false;
    }

    /// <summary>
    /// The next moment at or after <paramref name="kst"/> when a window is open (<paramref name="kst"/> itself when
    /// open now). Looks up to a week ahead, which always finds a window.
    /// </summary>
    public DateTime NextOpen(DateTime kst)
    {
        if (_ownClock) return NextOpen(_calendar, kst);
        for (var day = 0; day < 8; day++)
        {
            var date = kst.Date.AddDays(day);
            if (!_calendar.IsTradingDay(DateOnly.FromDateTime(date))) continue;
            var hours = KrxDayHours.On(date);
            for (var i = 0; i < _windows.Length; i++)
            {
                var (open, close) = Window(i, hours);
                var start = date + open;
                if (kst < date + close) return start > kst ? start : kst;
            }
        }
        throw new InvalidOperationException("No trading window within a week.");
    }

    private static DateTime NextOpen(MarketCalendar calendar, DateTime kst)
    {
        var instant = new DateTimeOffset(kst, KoreaTime.Offset);
        var today = calendar.TradingDayOf(instant);
        for (var day = today.AddDays(-1); day <= today.AddDays(8); day = day.AddDays(1))
        {
            if (!calendar.IsTradingDay(day)) continue;
            foreach (var session in calendar.Sessions)
            {
                var close = calendar.CloseOf(day, session.Kind);
                if (instant >= close) continue;
                var open = calendar.OpenOf(day, session.Kind);
                return (open > instant ? open : instant).ToOffset(KoreaTime.Offset).DateTime;
            }
        }
        throw new InvalidOperationException("No trading window within a week.");
    }

    /// <inheritdoc/>
    public override string ToString() => Description;
}

/// <summary>
/// The trading day of a market on another clock that a demo day (a trading day of the demo's calendar) is stamped on:
/// the demo date itself when that market trades then and it is later than the previous demo day's; else the market's
/// next trading day after that. Strictly increasing, so every demo day is a day of its own for that market (its day
/// totals restart once a day and never go back), and always a day it trades: a demo day on a NYSE holiday (Thanksgiving)
/// shows the US market's next day, and the following days stay that much ahead until a day the demo does not trade
/// and the market does (KRX's year-end closing day) brings them back to their dates. Walked from
/// <see cref="Anchor"/> (before the first year of holiday rows, where every weekday is both's) and cached: one step a day.
/// </summary>
internal sealed class DemoDays(MarketCalendar demo, MarketCalendar market)
{
    private static readonly DateOnly Anchor = new(2025, 12, 31);
    private Step _last = new(Anchor, Anchor); // one immutable pair, swapped whole

    /// <summary>The market's trading day for demo day <paramref name="day"/>. Any thread.</summary>
    public DateOnly Of(DateOnly day)
    {
        if (day <= Anchor) return market.TradingDayOnOrAfter(day);
        var last = Volatile.Read(ref _last);
        var (d, m) = last.Demo <= day ? (last.Demo, last.Market) : (Anchor, Anchor);
        while (d < day)
        {
            d = demo.NextTradingDay(d);
            var next = market.TradingDayOnOrAfter(d);
            m = next > m ? next : market.NextTradingDay(m);
        }
        Volatile.Write(ref _last, new Step(d, m));
        return m;
    }

    private sealed record Step(DateOnly Demo, DateOnly Market);
}
