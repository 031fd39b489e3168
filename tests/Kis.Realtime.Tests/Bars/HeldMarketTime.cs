using System.Diagnostics;

namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// A simulator clock that can be held: its timestamps stand still until <see cref="Run"/> (and again after
/// <see cref="Hold"/>), so a sped-up demo day starts at 09:00 when the test is subscribed rather than when the simulator
/// started, however slow a loaded machine is to connect. While held the market clock stands and rate pacing sends
/// nothing (its credit grows with the timestamps). Wall time (<see cref="TimeProvider.GetUtcNow"/>) and timers are the
/// system's, unless a wall start is given: then the wall clock runs from it (a demo day on a chosen date, whatever day
/// CI runs on).
/// </summary>
internal sealed class HeldMarketTime : TimeProvider
{
    private readonly Lock _gate = new();
    private long _heldAt = Stopwatch.GetTimestamp(); // the timestamp shown while held
    private long _offset; // subtracted from the system's while running
    private bool _running;
    private readonly long _maxStep;
    private long _lastShown; // the last timestamp shown: a capped step counts from it
    private readonly DateTimeOffset? _wallStart; // null: the system's wall clock
    private readonly long _wallStarted = Stopwatch.GetTimestamp();

    /// <param name="maxStep">When given, one reading never moves the clock on by more than this: a machine stalled for
    /// seconds slows the market down rather than making it skip (at 7,200× a 6 s stall would skip a whole demo day, which
    /// no exchange does).</param>
    /// <param name="wallStart">When given, the wall clock starts there and runs in real time: the simulator's demo day is
    /// that KST date's (an ordinary trading day's hours, not the wall date's, which may be a late open).</param>
    public HeldMarketTime(TimeSpan? maxStep = null, DateTimeOffset? wallStart = null) =>
        (_maxStep, _lastShown, _wallStart) = (maxStep is { } step ? (long)(step.TotalSeconds * Stopwatch.Frequency) : long.MaxValue, _heldAt, wallStart);

    public override DateTimeOffset GetUtcNow() =>
        _wallStart is { } start ? start.ToUniversalTime() + Stopwatch.GetElapsedTime(_wallStarted) : base.GetUtcNow();

    public override long TimestampFrequency => Stopwatch.Frequency;

    public override long GetTimestamp()
    {
        lock (_gate) return _lastShown = _running ? RunningNow() : _heldAt;
    }

    private long RunningNow()
    {
        var now = Stopwatch.GetTimestamp() - _offset;
        if (now - _lastShown <= _maxStep) return now;
        _offset += now - _lastShown - _maxStep; // the clock falls behind by what it did not show
        return _lastShown + _maxStep;
    }

    /// <summary>Lets the clock go on from where it stood.</summary>
    public void Run()
    {
        lock (_gate)
        {
            if (_running) return;
            _offset = Stopwatch.GetTimestamp() - _heldAt;
            _lastShown = _heldAt;
            _running = true;
        }
    }

    /// <summary>Moves a held clock on by <paramref name="by"/> (real time: the simulator's clock speed applies), still held.</summary>
    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            if (_running) throw new InvalidOperationException("Hold the clock before advancing it.");
            _lastShown = _heldAt += (long)(by.TotalSeconds * Stopwatch.Frequency);
        }
    }

    /// <summary>Stops the clock where it is.</summary>
    public void Hold()
    {
        lock (_gate)
        {
            if (!_running) return;
            _heldAt = _lastShown = RunningNow();
            _running = false;
        }
    }
}

/// <summary>Where a sped-up simulated day's KRX open and close land.</summary>
internal static class SimulatedClose
{
    /// <summary>
    /// The minute (HH:mm) of KRX's opening print on the simulated day of <paramref name="marketTime"/>: 09:00, or 10:00 on
    /// a late open (the year's first trading day, the exam day), where a demo started on Dec 31 or New Year's Day runs.
    /// </summary>
    public static string OpeningPrintMinute(DateTime marketTime) => MarketCalendar.KrxStocks
        .OpenOf(DateOnly.FromDateTime(marketTime), TradingSessions.Regular).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The simulator prints KRX's close at the first trade at or after 15:30 (by 15:40): on a loaded machine its clock,
    /// an hour in a second or two in these tests, may be minutes past 15:30 by then, so the print's minute (HH:mm) is
    /// 15:30 or a little later.
    /// </summary>
    public static bool IsClosingPrintMinute(string hhmm) => string.CompareOrdinal(hhmm, "15:30") >= 0 && string.CompareOrdinal(hhmm, "15:40") <= 0;
}
