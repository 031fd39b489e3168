namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>What the send loop does next: send <see cref="Count"/> records of <see cref="Due"/> (made at
/// <see cref="MarketNow"/>; <see cref="Owed"/> for the record a closed market still owes), or, with nothing due, sleep
/// at most <see cref="Wait"/>.</summary>
internal readonly record struct SendPick(SessionSubscription? Due, int Count, DateTime MarketNow, bool Owed, TimeSpan Wait);

/// <summary>
/// Picks which of a session's subscriptions is due next under the market's pace (notices first, then frames other
/// subscribers' pace made, then this session's own pace), or how long nothing is. One per session, used by its send
/// loop alone: the round-robin cursors and the empty-round count need no lock.
/// </summary>
internal sealed class SendScheduler(ISessionHost hub)
{
    private readonly ISessionHost _hub = hub;
    private readonly TimeProvider _time = hub.Options.TimeProvider;
    private int _roundRobin;
    /// <summary>Rounds without anything to say in a row.</summary>
    private int _emptyPicks;

    /// <summary>The rest after a round in which no subscription had anything to say.</summary>
    public static readonly TimeSpan NothingToSayWait = TimeSpan.FromMilliseconds(10);

    /// <summary>The next subscription due and its records, or how long to sleep.</summary>
    public SendPick Pick(SessionSubscription[] subs, MarketPace pace)
    {
        var owed = false;
        var wait = NextEvent(subs, out var due, out var count, out var marketNow) || NextPending(subs, out due, out count, out marketNow)
            ? TimeSpan.Zero
            : pace.Mode == MarketPaceMode.Off ? MaxClosedWait // notices only: one wakes the wait
            : NextData(subs, pace, out due, out count, out marketNow, out owed);
        // Some notices come from the clock, not from a call (a day order's expiry at the close, found when the
        // venue is next asked): a session with notices asks at least this often.
        if (due is null && Array.Exists(subs, s => s.Instrument.IsEventDriven)) wait = Min(wait, EventPollInterval);
        return new SendPick(due, count, marketNow, owed, wait);
    }

    /// <summary>The picked subscription sent a frame: the run of empty picks is over.</summary>
    public void Sent() => _emptyPicks = 0;

    /// <summary>The picked subscription had nothing to say; true when a whole round of <paramref name="subscriptions"/>
    /// had nothing (flat out, every stock in a VI): then rest <see cref="NothingToSayWait"/> rather than spin.</summary>
    public bool NothingToSay(int subscriptions)
    {
        if (++_emptyPicks < subscriptions) return false;
        _emptyPicks = 0;
        return true;
    }

    /// <summary>
    /// An event-driven subscription (the paper venue's notices) with a record waiting: due now, one record, whatever
    /// the pace (KIS sends an order's notice within about a second of the order, not at a feed's rate).
    /// </summary>
    private bool NextEvent(SessionSubscription[] subs, out SessionSubscription? due, out int count, out DateTime marketNow)
    {
        (due, count, marketNow) = (null, 0, default);
        var now = _hub.Market.Clock.Now();
        foreach (var s in subs)
            if (s.Instrument.IsEventDriven && s.Instrument.HasRecordAt(now))
            {
                (due, count, marketNow) = (s, 1, now);
                return true;
            }
        return false;
    }

    /// <summary>
    /// A subscription whose instrument's tape holds frames this session has not sent (another subscriber's pace made
    /// them): due now, whatever this session's own turn, so every subscriber sends every record at about the same time.
    /// </summary>
    private bool NextPending(SessionSubscription[] subs, out SessionSubscription? due, out int count, out DateTime marketNow)
    {
        (due, count, marketNow) = (null, 0, default);
        // Round robin, so a busy tape does not keep the session's other subscriptions waiting.
        for (var i = 0; i < subs.Length; i++)
        {
            var s = subs[(int)((uint)_pendingRobin++ % (uint)subs.Length)];
            if (s.Reader is not { } reader || !s.Instrument.HasPending(reader)) continue;
            due = s;
            return true;
        }
        return false;
    }

    private int _pendingRobin;

    /// <summary>Longest wait of a session with notices between two looks for one the clock made.</summary>
    private static readonly TimeSpan EventPollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Frames the flat-out pace lets the slowest subscriber of an instrument fall behind before it waits for it (far
    /// below the tape's bound, so flat out loses nothing to a slow subscriber; a stalled one holds its instruments).
    /// </summary>
    private const int FlatOutLead = 64;

    /// <summary>Longest sleep while every subscription's market is closed: re-check now and then (the wall clock can jump).</summary>
    private static readonly TimeSpan MaxClosedWait = TimeSpan.FromMinutes(1);

    /// <summary>A closed subscription's owed record (KRX's close after a clock jump) becomes the next one due, at its own time.</summary>
    private static bool Owed(SessionSubscription s, DateTime now, ref SessionSubscription? due, ref int count, ref DateTime marketNow, ref bool owed)
    {
        if (s.Instrument.OwedAt(now) is null) return false;
        (due, count, marketNow, owed) = (s, 1, now, true);
        return true;
    }

    /// <summary>
    /// Picks the subscription due now and how many records it sends, or how long to wait. Only subscriptions whose
    /// market is open (the one market clock, <see cref="Market.TradingHours"/>) are sent anything.
    /// </summary>
    private TimeSpan NextData(SessionSubscription[] subs, MarketPace pace, out SessionSubscription? due, out int count, out DateTime marketNow, out bool owed)
    {
        var now = marketNow = _hub.Market.Clock.Now();
        (due, count, owed) = (null, 0, false);
        return pace.Mode switch
        {
            MarketPaceMode.FlatOut => NextFlatOut(subs, now, ref due, ref count, ref marketNow, ref owed),
            MarketPaceMode.Rate or MarketPaceMode.MarketWide => NextAtRate(subs, pace, now, ref due, ref count, ref marketNow, ref owed),
            _ => NextDemo(subs, now, ref due, ref count, ref marketNow, ref owed),
        };
    }

    /// <summary>Flat out: the next open subscription in turn, unless a subscriber of it is far behind.</summary>
    private TimeSpan NextFlatOut(SessionSubscription[] subs, DateTime now, ref SessionSubscription? due, ref int count, ref DateTime marketNow, ref bool owed)
    {
        var held = false;
        for (var i = 0; i < subs.Length; i++)
        {
            var s = subs[(int)((uint)_roundRobin++ % (uint)subs.Length)];
            if (s.Instrument.IsEventDriven) continue; // sent as they happen (NextEvent)
            // Flat out is as fast as every subscriber takes the records: no new frame while one is far behind.
            if (s.Instrument.UnsentFrames >= FlatOutLead)
            {
                held = true;
                continue;
            }
            if (!s.Instrument.Hours.IsOpen(now))
            {
                if (Owed(s, now, ref due, ref count, ref marketNow, ref owed)) return TimeSpan.Zero;
                continue;
            }
            due = s;
            count = s.Tr.Encrypted ? 1 : _hub.Options.MaxRecordsPerFrame;
            return TimeSpan.Zero;
        }
        return held ? NothingToSayWait : UntilFirstOpen(subs, now);
    }

    /// <summary>A rate (fixed, or market-wide with each instrument its activity share): the first with credit.</summary>
    private TimeSpan NextAtRate(SessionSubscription[] subs, MarketPace pace, DateTime now,
        ref SessionSubscription? due, ref int count, ref DateTime marketNow, ref bool owed)
    {
        // Market-wide: the universe's rate now (the open's burst or steady), each instrument its activity share.
        var marketRate = pace.Mode == MarketPaceMode.MarketWide ? pace.MarketRateAt(now) : 0;
        var max = _hub.Options.MaxRecordsPerFrame;
        var ts = _time.GetTimestamp();
        var shortest = double.MaxValue;
        for (var i = 0; i < subs.Length; i++)
        {
            var s = subs[(_roundRobin + i) % subs.Length];
            if (s.Instrument.IsEventDriven) continue; // sent as they happen (NextEvent)
            if (!s.Instrument.Hours.IsOpen(now))
            {
                if (Owed(s, now, ref due, ref count, ref marketNow, ref owed)) return TimeSpan.Zero;
                // A closed market owes no pace: no credit piles up for the open.
                s.Instrument.Pace.RestRate(ts);
                shortest = Math.Min(shortest, _hub.Market.Clock.UntilOpen(s.Instrument.Hours, now).TotalSeconds);
                continue;
            }
            // The instrument's pace, not this session's: another subscriber may have taken the credit.
            var rate = pace.Mode == MarketPaceMode.MarketWide ? marketRate * s.Instrument.ActivityShare : pace.RecordsPerSecond;
            if (s.Instrument.Pace.TryTakeRate(ts, _time.TimestampFrequency, rate, s.Tr.Encrypted ? 1 : max, out count, out var next))
            {
                due = s;
                _roundRobin++;
                return TimeSpan.Zero;
            }
            shortest = Math.Min(shortest, next);
        }
        return shortest == double.MaxValue ? MaxClosedWait : Min(TimeSpan.FromSeconds(Math.Max(shortest, 0.001)), MaxClosedWait);
    }

    /// <summary>The demo pace: the instrument due first, mostly single records, sometimes a burst.</summary>
    private TimeSpan NextDemo(SessionSubscription[] subs, DateTime now, ref SessionSubscription? due, ref int count, ref DateTime marketNow, ref bool owed)
    {
        var ts = _time.GetTimestamp();
        SessionSubscription? first = null;
        var firstDue = long.MaxValue;
        foreach (var s in subs)
        {
            if (s.Instrument.IsEventDriven) continue; // sent as they happen (NextEvent)
            var nextDue = s.Instrument.Pace.NextDue;
            if (nextDue <= ts && !s.Instrument.Hours.IsOpen(now))
            {
                if (Owed(s, now, ref due, ref count, ref marketNow, ref owed)) return TimeSpan.Zero;
                // Closed: next chance when its market opens (re-checked at least every MaxClosedWait).
                var wait = Min(_hub.Market.Clock.UntilOpen(s.Instrument.Hours, now), MaxClosedWait);
                s.Instrument.Pace.DeferUntil(ts + Math.Max(1, (long)(wait.TotalSeconds * _time.TimestampFrequency)));
                nextDue = s.Instrument.Pace.NextDue;
            }
            if (first is null || nextDue < firstDue) (first, firstDue) = (s, nextDue);
        }
        if (first is null) return MaxClosedWait; // only notices: a notice wakes the loop
        if (firstDue > ts) return _time.GetElapsedTime(ts, firstDue);
        // The instrument's pace: mostly single records, sometimes a burst sent as one multi-record frame (as KIS
        // pages bursts). Another subscriber may have taken this frame first: then look again (its frame is pending).
        if (!first.Instrument.Pace.TryTakeDemo(ts, _time.TimestampFrequency, first.Tr.Encrypted, _hub.Options.MaxRecordsPerFrame, out count))
            return TimeSpan.Zero;
        due = first;
        return TimeSpan.Zero;
    }

    private TimeSpan UntilFirstOpen(SessionSubscription[] subs, DateTime now)
    {
        var wait = MaxClosedWait;
        foreach (var s in subs)
            if (!s.Instrument.IsEventDriven) wait = Min(wait, _hub.Market.Clock.UntilOpen(s.Instrument.Hours, now));
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1);
    }

    internal static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
