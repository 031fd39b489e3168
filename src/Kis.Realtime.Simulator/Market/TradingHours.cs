using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// When a TR has data, as windows of KST time of day on trading days. KRX: pre-open 08:30–09:00, regular session
/// 09:00–15:20, closing auction 15:20–15:30, after-hours 15:40–18:00; Nextrade (NXT): pre-market 08:00–08:50, main
/// 09:00(:30)–15:20, after-market 15:30–20:00. Holidays are not modelled (weekends are).
/// </summary>
internal sealed class TradingHours
{
    private readonly (TimeSpan Open, TimeSpan Close)[] _windows;

    private TradingHours(string description, params (TimeSpan Open, TimeSpan Close)[] windows)
    {
        Description = description;
        _windows = windows;
    }

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

    public static TradingHours For(TrDefinition tr)
    {
        if (tr == KisTrs.IndexTicks) return Index;
        if (tr == KisTrs.BondTrades) return Bonds;
        if (tr == KisTrs.ProgramTradesNxt) return Nextrade;
        if (tr == KisTrs.ProgramTradesUnified) return KrxAndNextrade;
        if (tr == KisTrs.FuturesOptionsNotices || tr == KisTrs.FuturesOptionsNoticesPaper) return Derivatives;
        throw new ArgumentException($"No trading hours for TR {tr.Id}.", nameof(tr));
    }

    /// <summary>The first window's opening time of day (where cumulative day totals start from).</summary>
    public TimeSpan DayOpen => _windows[0].Open;

    /// <summary>True when <paramref name="kst"/> falls in a window (weekends closed unless <paramref name="everyDay"/>).</summary>
    public bool IsOpen(DateTime kst, bool everyDay)
    {
        if (!everyDay && IsWeekend(kst)) return false;
        var t = kst.TimeOfDay;
        foreach (var (open, close) in _windows)
            if (t >= open && t < close) return true;
        return false;
    }

    /// <summary>
    /// The next moment at or after <paramref name="kst"/> when a window is open (<paramref name="kst"/> itself when
    /// open now). Looks up to a week ahead, which always finds a window.
    /// </summary>
    public DateTime NextOpen(DateTime kst, bool everyDay)
    {
        for (var day = 0; day < 8; day++)
        {
            var date = kst.Date.AddDays(day);
            if (!everyDay && IsWeekend(date)) continue;
            foreach (var (open, close) in _windows)
            {
                var start = date + open;
                if (kst < date + close) return start > kst ? start : kst;
            }
        }
        throw new InvalidOperationException("No trading window within a week.");
    }

    private static bool IsWeekend(DateTime d) => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    /// <inheritdoc/>
    public override string ToString() => Description;
}
