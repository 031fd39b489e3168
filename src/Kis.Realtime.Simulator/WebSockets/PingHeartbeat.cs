namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>What a session does when its ping timer fires.</summary>
internal enum PingTick
{
    /// <summary>The last ping has not been out a (near) full interval yet: nothing.</summary>
    Wait,
    /// <summary>The last ping was answered (or none went out): send the next one.</summary>
    SendPing,
    /// <summary>The last ping went unanswered a full interval: close the session.</summary>
    Missed,
}

/// <summary>
/// A session's PINGPONG heartbeat: whether the ping last sent is answered, and when it went out. Its own lock: the ping
/// timer, the receive loop (answers) and the send loop (the ping written) all touch it. No callback runs under it.
/// </summary>
internal sealed class PingHeartbeat(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private bool _outstanding, _answered;
    private long _sentTimestamp;

    /// <summary>The ping timer fired: what to do (a new ping counts as outstanding from now).</summary>
    public PingTick OnTick()
    {
        lock (_gate)
        {
            if (!_outstanding || _answered)
            {
                (_outstanding, _answered, _sentTimestamp) = (true, false, 0);
                return PingTick.SendPing;
            }
            // Timer ticks can bunch up under scheduling delays: a ping only counts as missed once a (near) full interval
            // has passed since it actually went out.
            return _sentTimestamp == 0 || time.GetElapsedTime(_sentTimestamp) < interval * 0.75 ? PingTick.Wait : PingTick.Missed;
        }
    }

    /// <summary>The send loop wrote the ping: its interval counts from now.</summary>
    public void Written()
    {
        lock (_gate) _sentTimestamp = time.GetTimestamp();
    }

    /// <summary>True once the ping last sent is written and not yet answered (its interval is counting).</summary>
    public bool OutstandingWritten
    {
        get
        {
            lock (_gate) return _outstanding && !_answered && _sentTimestamp != 0;
        }
    }

    /// <summary>A PINGPONG echo or pong came; true when it answers the outstanding ping (once per ping).</summary>
    public bool TryAnswer()
    {
        lock (_gate)
        {
            if (!_outstanding || _answered) return false;
            _answered = true;
            return true;
        }
    }

    /// <summary>Restarts clean: after a stall the client could not have had an answer processed while its messages were held.</summary>
    public void Reset()
    {
        lock (_gate) _outstanding = _answered = false;
    }
}
