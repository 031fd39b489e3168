
using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>
/// Builds the bars of one instrument from its trades, fed one at a time in arrival order: time bars (on the market's own
/// clock, aligned to its midnight: New York time for a US stock), day bars (one per trading day of the market's calendar:
/// a US session across KST midnight or a night session 18:00–06:00 is one day), tick / volume / value bars. Specialised per trade view by
/// <typeparamref name="TAccessor"/>: no allocation per trade. After <see cref="Add(in TTrade)"/> returns true, take the closed bars with
/// <see cref="TryTakeClosed"/>; at the end call <see cref="Complete"/> and take the rest. Rules: docs/bars.md. Not thread-safe: one feeder.
/// </summary>
/// <typeparam name="TTrade">The typed trade view (e.g. <see cref="StockTrade"/>).</typeparam>
/// <typeparam name="TAccessor">Its accessor (e.g. <see cref="StockTradeAccessor"/>).</typeparam>
public sealed partial class BarAggregator<TTrade, TAccessor>
    where TTrade : struct
    where TAccessor : ITradeAccessor<TTrade>
{
    private readonly BarKind _kind;
    private readonly long _interval;
    private readonly decimal _threshold;
    private readonly BarOptions _options;
    private readonly long _lateWindow; // BarOptions.LateWindow in ticks: 0 closes a bar at the next interval's first trade
    private readonly TradingSessions _sessions; // the spec's and the options' together: a trade must be in both
    private KstDayClock _clock;
    private string? _key;
    private MarketCalendar? _calendar; // the first trade's market: its clock, trading days and sessions

    // The forming bar (Internal/FormingBar): its figures and its times on the market's clock.
    private readonly FormingBar _bar = new();
    // With a clock close: how far the clock runs ahead of the market's stamps (network delay, or a replay's or a demo
    // simulator's distance from now), the least seen in the forming bar. The bar closes on the clock shifted by it.
    private long _clockSkew;

    // Closed bars: held, queued, revisable, and the empty ones after them (Internal/ClosedBars).
    private readonly ClosedBars _closed;
    private long _watermark; // the latest trade stamp seen (market's clock): a held bar goes at its end + the window

    /// <summary>An aggregator of <paramref name="spec"/> bars.</summary>
    public BarAggregator(BarSpec spec, BarOptions? options = null)
    {
        if (spec.Kind == 0) throw new ArgumentException("Use BarSpec's factories (BarSpec.Minutes(1) …).", nameof(spec));
        Spec = spec;
        _kind = spec.Kind;
        _interval = spec.Interval.Ticks;
        _threshold = spec.Threshold;
        _options = options ?? BarOptions.Default;
        _sessions = spec.Sessions & _options.Sessions;
        if (_options.LateWindow < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), _options.LateWindow, "BarOptions.LateWindow must not be negative.");
        _lateWindow = _kind <= BarKind.Day ? _options.LateWindow.Ticks : 0;
        if (_options.ReorderWindow < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), _options.ReorderWindow, "BarOptions.ReorderWindow must not be negative.");
        _reorder = new(_kind, _interval, _options.ReorderWindow.Ticks, _tape, _corrupt, new ExchangeOrderSink(this));
        _closed = new ClosedBars(_kind, _interval, _options, _lateWindow, _bar);
    }

    /// <summary>The bar spec.</summary>
    public BarSpec Spec { get; }
    /// <summary>The instrument (the first trade's key); null before the first trade.</summary>
    public string? Key => _key;
    /// <summary>Trades skipped: not trades (expected values) or outside <see cref="BarSpec.Sessions"/> or <see cref="BarOptions.Sessions"/>.</summary>
    public long SkippedTrades { get; private set; }
    /// <summary>
    /// Trades that arrived after their bar closed (by their time, or by their cumulative volume filling a gap) and went into
    /// no bar: a later bar must not take them. A late trade of the forming bar joins it; one filling a hole of a time or
    /// day bar emitted flagged comes as that bar revised (<see cref="BarOptions.Revisions"/>, <see cref="BarFlags.Revised"/>).
    /// </summary>
    public long LateTrades { get; private set; }
    /// <summary>
    /// Gaps seen in the cumulative volume and not filled since by late trades (each flags the bars around it
    /// <see cref="BarFlags.Gap"/>, at a new day's first trade only the new day's; one revealed by a trade outside the bar's
    /// sessions flags the forming bar of its trading day, else the key's next bar). A trade next on its own TR's tape
    /// that went into no bar (another TR's trades closed its bar, see <see cref="LateTrades"/>) is a gap of its own:
    /// the bars' volume and <see cref="MissingVolume"/> together always give the day's cumulative volume.
    /// </summary>
    public long Gaps => _tape.Gaps;
    /// <summary>Volume missed in those gaps (less what late trades brought), with the trades in no bar.</summary>
    public long MissingVolume => _tape.MissingVolume;

    /// <summary>Adds one trade. Returns true when bars closed (take them with <see cref="TryTakeClosed"/>).</summary>
    /// <exception cref="InvalidOperationException">The trade is of another key than the first trade's.</exception>
    public bool Add(in TTrade trade) => Add(trade, KstDayClock.NoReceipt);

    /// <summary>
    /// Adds one trade received at <paramref name="receivedAt"/>: a trade without a date on the wire (index ticks, futures,
    /// options) is dated from it (see docs/bars.md), not from the trades before it. Returns true when bars closed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The trade is of another key than the first trade's.</exception>
    public bool Add(in TTrade trade, DateTimeOffset receivedAt) => Add(trade, receivedAt.UtcTicks);

    private bool Add(in TTrade trade, long receivedUtcTicks)
    {
        if (!TAccessor.IsTrade(trade))
        {
            SkippedTrades++;
            return false;
        }
        var key = TAccessor.Key(trade);
        if (!ReferenceEquals(key, _key)) CheckKey(key);
        var calendar = _calendar ??= MarketCalendar.For(TAccessor.TrId(trade), key);
        var time = TAccessor.Time(trade);
        var kst = _clock.Ticks(calendar, TAccessor.Date(trade), time, _clock.HasDate ? null
            : KstDayClock.FirstDate(calendar, _options.TradingDate, time, _options.TimeProvider), _options.TimeProvider, receivedUtcTicks);
        var utc = MarketCalendar.KstToUtc(kst);
        var t = calendar.LocalTicks(utc);
        var day = calendar.DayNumberOfLocal(t);
        return Arrive(trade, receivedUtcTicks == KstDayClock.NoReceipt ? utc : receivedUtcTicks, utc, t, day);
    }

    // One trade in exchange order (after the reorder window): its stamp on the market's clock (t), its trading day, and
    // its cumulative volume (the one its own volume fits, for a record whose acml_vol was found corrupt).
    private bool Process(in TradeFacts trade, long utc, long t, int day, long accumulated)
    {
        _reorder.TapeMoved(trade.Tr); // a waiting record of its TR may continue it now
        return ProcessInOrder(trade, utc, t, day, accumulated) | _closed.Revisable.Emit(_closed.Ready, _key!);
    }

    private bool ProcessInOrder(in TradeFacts trade, long utc, long t, int day, long accumulated)
    {
        var calendar = _calendar!;
        var check = CheckVolume(trade, t, utc, day, accumulated, out var openGap, out var volume);
        if (check is VolumeCheck.Duplicate or VolumeCheck.Corrupt) return false; // counted already: in no bar
        var gap = check is VolumeCheck.Gap or VolumeCheck.GapAtDayStart;
        if ((trade.Session & _sessions) == 0)
        {
            // Outside the bar's sessions: in no bar, but its cumulative volume still counts, so a day's pre-market
            // trades are not reported as missed by its first regular trade; and a gap it reveals still flags a bar.
            SkippedTrades++;
            if (gap) FlagSkippedTradeGap(day);
            if (check == VolumeCheck.Late) PlaceLate(); // its volume is traded, only not in these sessions: not missing
            return false;
        }
        if (_options.ClockCloseGrace is not null) NoteSkew(utc);
        var price = trade.Price;
        var position = new TapePosition(t, accumulated, accumulated < 0 ? -1 : trade.Tr);
        var start = _kind == BarKind.Time ? t - t % _interval
            : _kind == BarKind.Day ? MarketCalendar.MidnightOf(day) + calendar.DayStart.Ticks
            : t;
        var seeded = _seeded.Waiting;
        var closed = false;
        if (seeded)
        {
            ApplySeed(start, volume, accumulated);
            closed = _closed.Ready.Count > 0; // the seeded bars before this trade's are ready now: a caller shows them at once
        }

        var inForming = _kind <= BarKind.Day
            ? OpenTimeBar(trade, check, start, day, utc, price, volume, openGap, position, gap, ref closed)
            : OpenCountBar(check, t, day, utc, price, volume, position, ref closed);
        if (!inForming) return closed;

        _bar.Add(price, volume, TAccessor.ValueIsPriceTimesVolume ? price * volume : trade.Value, position);
        if (check == VolumeCheck.Late) PlaceLate();
        if (gap) FlagFormingWithOpenGap(openGap);
        // The first trade seen, with trades of its day before it never seen (no seed holds them): its bar is partial.
        else if (check == VolumeCheck.FirstAfterUnseen && !seeded) _bar.Flag(BarFlags.Partial);

        if (_kind > BarKind.Day && _bar.ThresholdReached(_kind, _threshold))
        {
            CloseForming(false);
            closed = true;
        }
        else if (_lateWindow > 0)
        {
            if (t > _watermark) _watermark = t;
            closed |= _closed.ReleaseHeld(_key, _watermark, byClock: false);
        }
        return closed;
    }

    // A time or day bar's trade: false when it is settled elsewhere (late: its own held bar, a revision or no bar); else
    // the forming bar is its own (the one before it closed, the empty ones between queued).
    private bool OpenTimeBar(in TradeFacts trade, VolumeCheck check, long start, int day, long utc, decimal price, long volume,
        long openGap, TapePosition position, bool gap, ref bool closed)
    {
        var calendar = _calendar!;
        // Late (its interval is behind the forming or last closed bar): only its own bar may take it, while it is forming.
        // A closed bar never reopens and a later bar must not take it. (A gap's trade stamped in the forming bar's
        // interval or later is in its bar by its stamp.)
        if ((_bar.IsForming ? start < _bar.Open : start < _closed.LastEnd) && !(_bar.IsForming && start == _bar.Open))
        {
            // Within BarOptions.LateWindow its own bar is held open for it (or made for it): never a later bar.
            var lateTrade = new LateTrade(start, day, calendar.OffsetAtUtc(utc), price, volume,
                TAccessor.ValueIsPriceTimesVolume ? price * volume : trade.Value, position, ClockEndOf(calendar, start, day));
            var late = check == VolumeCheck.Late;
            if (_lateWindow > 0 && _closed.Held.TakeLate(lateTrade, _watermark))
            {
                if (late) PlaceLate();
                return false;
            }
            // Past every window: a correction of the bar emitted (BarOptions.Revisions), else in no bar.
            if (late && _closed.TakeRevision(lateTrade, _tape.LateFromDayStart, _tape.IsOpenGap(openGap) ? openGap : 0))
            {
                PlaceLate();
                return false;
            }
            LateTrades++; // in no bar: a late trade's gap stays open, its volume missing
            if (!late) _tape.CountUnplaced(volume); // one in order on its own TR (another TR moved the bars on): missing too
            return false; // a first trade behind the seed's last bar still releases the seeded bars
        }
        if (_bar.IsForming && start != _bar.Open)
        {
            // Missed trades found here may belong to the bar closing, except at a new day's first trade: a restarted
            // cumulative volume says they are all the new day's.
            CloseForming(check == VolumeCheck.Gap, openGap);
            closed = _lateWindow == 0;
        }
        if (!_bar.IsForming)
        {
            closed |= _closed.QueueEmpties(_key!, start, day, gap);
            Begin(start, start + _interval, ClockEndOf(calendar, start, day), day, calendar.OffsetAtUtc(utc), price);
        }
        return true;
    }

    /// <summary>Takes the oldest closed bar not taken yet.</summary>
    public bool TryTakeClosed(out Bar bar)
    {
        return _closed.TryTake(_key, out bar);
    }

    /// <summary>The forming bar (flagged <see cref="BarFlags.Forming"/>), if any.</summary>
    public bool TryGetForming(out Bar bar)
    {
        bar = _bar.IsForming ? MakeBar(BarFlags.Forming) : default;
        return _bar.IsForming;
    }

    /// <summary>
    /// The trade stream ended: seeded bars not emitted yet and the forming bar (flagged <see cref="BarFlags.EndOfStream"/>)
    /// become closed bars to take with <see cref="TryTakeClosed"/>.
    /// </summary>
    public void Complete()
    {
        _seeded.Flush(_closed.Ready);
        _reorder.Release(long.MaxValue); // the stream ended: no record can come to fill a hole
        _closed.ReleaseHeld(_key, long.MaxValue, byClock: false); // nor a late trade
        if (!_bar.IsForming) return;
        _closed.MaterializeEmpties(_key!);
        _closed.Ready.Enqueue(MakeBar(BarFlags.EndOfStream));
        _bar.End();
    }

    private void CheckKey(string key)
    {
        if (_key is null) _key = key;
        else if (!string.Equals(key, _key, StringComparison.Ordinal))
            throw new InvalidOperationException($"This aggregator builds the bars of '{_key}', not '{key}': use one per key (ToBarsAsync routes by key).");
        else _key = key; // the same text in another string: remember it for the reference check
    }

    // A new forming bar takes the gap flag left pending for the key's next bar.
    private void Begin(long open, long close, long clockEnd, int day, TimeSpan offset, decimal price)
    {
        _bar.Begin(open, close, clockEnd, day, offset, price, _pendingFlags);
        _pendingFlags = BarFlags.None;
    }

    /// <summary>A time or day bar's end on the clock: its interval's end; a day bar's, the market's close.</summary>
    private long ClockEndOf(MarketCalendar calendar, long start, int day) =>
        _kind == BarKind.Day && calendar.CloseTicks(day, _sessions) is { } marketClose && marketClose < start + _interval ? marketClose : start + _interval;

    private void CloseForming(bool gap, long openGap = -1)
    {
        _closed.Close(_key!, gap, openGap);
        _bar.End();
    }

    // The forming bar as a bar: as its snapshot makes it (HeldBar.ToBar), so a bar emitted now and one held or revised
    // read their flags and VWAP by one rule.
    private Bar MakeBar(BarFlags flags) => _bar.Snapshot(gap: false, openGap: 0).ToBar(_key!, flags);
}
