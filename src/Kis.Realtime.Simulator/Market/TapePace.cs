namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The pace of one instrument's tape (<see cref="Instrument"/>): when its next frame is due and how many records it
/// carries. It belongs to the instrument, not to a session, so the instrument makes its records at one pace however many
/// sessions subscribe (KIS's market does not trade faster because more clients watch it); whichever subscribed session
/// finds a frame due makes it and every other subscriber sends the same frame. Timestamps are the simulator's
/// <see cref="TimeProvider"/> ones.
/// </summary>
internal sealed class TapePace(Random random)
{
    private readonly Lock _gate = new();
    private long _nextDue, _lastTimestamp;
    private double _credit;
    private int _readers;

    /// <summary>
    /// A subscriber joined. The first one starts the pace afresh (no credit piled up while nobody watched; the demo
    /// pace's first frame 0.2–0.9 s away, so every subscription shows data within 1–2 s); later ones join it as it is.
    /// </summary>
    public void Join(long timestamp, long frequency)
    {
        lock (_gate)
        {
            if (_readers++ > 0) return;
            _lastTimestamp = timestamp;
            _credit = 0;
            _nextDue = timestamp + (long)(random.Next(200, 900) / 1000.0 * frequency);
        }
    }

    /// <summary>A subscriber left.</summary>
    public void Leave()
    {
        lock (_gate) _readers = Math.Max(0, _readers - 1);
    }

    // ---------------------------------------------------------------- rate pace (records per second)

    /// <summary>The market is closed: it owes no pace, so no credit piles up for the open.</summary>
    public void RestRate(long timestamp)
    {
        lock (_gate)
        {
            _credit = 0;
            _lastTimestamp = timestamp;
        }
    }

    /// <summary>
    /// Takes the records due at <paramref name="timestamp"/> at <paramref name="recordsPerSecond"/> (at most
    /// <paramref name="max"/>): true with their count, else false with the seconds until one is due.
    /// </summary>
    public bool TryTakeRate(long timestamp, long frequency, double recordsPerSecond, int max, out int count, out double secondsToNext)
    {
        lock (_gate)
        {
            _credit = Math.Min(_credit + (timestamp - _lastTimestamp) / (double)frequency * recordsPerSecond, Math.Max(1, recordsPerSecond));
            _lastTimestamp = timestamp;
            secondsToNext = 0;
            if (_credit >= 1)
            {
                count = (int)Math.Min(Math.Floor(_credit), max);
                _credit -= count;
                return true;
            }
            count = 0;
            secondsToNext = (1 - _credit) / recordsPerSecond;
            return false;
        }
    }

    // ---------------------------------------------------------------- demo pace (KIS-like bursts)

    /// <summary>When the next demo frame is due.</summary>
    public long NextDue
    {
        get { lock (_gate) return _nextDue; }
    }

    /// <summary>The market is closed until <paramref name="timestamp"/>: look again then.</summary>
    public void DeferUntil(long timestamp)
    {
        lock (_gate) _nextDue = Math.Max(_nextDue, timestamp);
    }

    /// <summary>
    /// Takes the demo frame due at <paramref name="timestamp"/>: mostly single records, sometimes a burst (as KIS pages
    /// bursts), the next one 0.4–1.2 s later. False when another subscriber took it first.
    /// </summary>
    public bool TryTakeDemo(long timestamp, long frequency, bool single, int max, out int count)
    {
        lock (_gate)
        {
            count = 0;
            if (_nextDue > timestamp) return false;
            var roll = random.Next(100);
            count = single ? 1 : roll < 70 ? 1 : roll < 90 ? random.Next(2, 4) : random.Next(4, 9);
            count = Math.Min(count, max);
            _nextDue = timestamp + (long)(random.Next(400, 1200) / 1000.0 * frequency);
            return true;
        }
    }
}
