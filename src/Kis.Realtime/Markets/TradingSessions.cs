namespace Kis.Realtime;

/// <summary>
/// Which part of the trading day a trade belongs to, by its market's calendar (<see cref="MarketCalendar"/>;
/// the table is in docs/bars.md).
/// </summary>
[Flags]
public enum TradingSessions
{
    /// <summary>No session.</summary>
    None = 0,
    /// <summary>
    /// Before the regular session: KRX pre-open after-hours (08:30–09:00), NXT pre-market (08:00–08:50), US pre-market
    /// (04:00–09:30 New York).
    /// </summary>
    PreMarket = 1,
    /// <summary>
    /// The regular session: KRX 09:00–15:40 KST (NXT to 15:30, unified to 15:31), which holds the opening print, the continuous session, VI
    /// auctions and the closing auction's print (stamped 15:30:00 or a little later); the day session of futures and
    /// options; every index tick; US 09:30–16:00 New York; the other overseas markets' sessions.
    /// </summary>
    Regular = 2,
    /// <summary>
    /// After the regular session: KRX after-hours (15:40–18:00, H0STOUP0), NXT after-market (15:30–20:00), US after-market
    /// (16:00–20:00 New York).
    /// </summary>
    AfterMarket = 4,
    /// <summary>The KRX night session of futures and options (H0MF…, H0EU…, 18:00–06:00 KST).</summary>
    Night = 8,
    /// <summary>Every session.</summary>
    All = PreMarket | Regular | AfterMarket | Night,
}
