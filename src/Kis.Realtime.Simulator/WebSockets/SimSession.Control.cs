using System.Net.WebSockets;
using Kis.Realtime.Simulator.Internal;

namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>A session's fault injection, close and stall control, and its PINGPONG heartbeat.</summary>
internal sealed partial class SimSession
{
    // ---------------------------------------------------------------- faults and control

    /// <summary>Drops the TCP connection without a close frame.</summary>
    public Task AbortAsync()
    {
        if (Completion.IsCompleted) return Completion;
        _endReason = "dropped by fault injection";
        _closing = true;
        try
        {
            _context.Abort();
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session ended between the caller's snapshot and now: nothing left to drop.
        }
        return Completion;
    }

    /// <summary>Sends a close frame (after anything already queued) and ends the session.</summary>
    public Task CloseAsync(int status, string reason)
    {
        BeginClose(status, reason);
        return Completion;
    }

    private void BeginClose(int status, string reason)
    {
        if (_closing) return;
        _closing = true;
        _endReason = reason;
        _control.Enqueue(WebSocketFraming.BuildFrame(WebSocketOpcode.Close, WebSocketFraming.ClosePayload((WebSocketCloseStatus)status, reason)),
            closeAfter: true);
        // A stalled session still closes when asked.
        _unstalled.TrySetResult();
    }

    public void SetStalled(bool stalled)
    {
        if (stalled)
        {
            if (_stalled) return;
            _unstalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _stalled = true;
            _control.Wake(); // wake the send loop so it notices
        }
        else
        {
            if (!_stalled) return;
            // Heartbeat restarts clean: the client could not have had an answer processed while we held its messages.
            _heartbeat.Reset();
            _stalled = false;
            _unstalled.TrySetResult();
        }
    }

    /// <summary>
    /// Queues a raw text frame (fault or replay); completes when it has been written, or (without writing) when the
    /// session has ended or ends first. While the session is stalled it waits for the unstall or for
    /// <paramref name="ct"/>.
    /// </summary>
    public Task SendRawAsync(ReadOnlySpan<byte> message, bool isFault, CancellationToken ct = default)
        => QueueFrame(WebSocketFraming.BuildFrame(WebSocketOpcode.Text, message), isFault, ct);

    /// <summary>
    /// Queues bytes written to the socket as they are: a WebSocket frame built by the caller, which may break RFC 6455
    /// on purpose (reserved bits, unknown opcodes, fragmented control frames …) to test a client's handling of them.
    /// Completes as <see cref="SendRawAsync"/>.
    /// </summary>
    internal Task SendFrameBytesAsync(byte[] frame, CancellationToken ct = default) => QueueFrame(frame, isFault: true, ct);

    private Task QueueFrame(byte[] frame, bool isFault, CancellationToken ct) => _control.QueueRaw(frame, isFault, ct);

    /// <summary>Raw frames queued and not yet written or released (tests: a stalled session holds them).</summary>
    internal int QueuedRawFrames => _control.QueuedRawFrames;

    private void Enqueue(byte[] payload) => _control.Enqueue(WebSocketFraming.BuildFrame(WebSocketOpcode.Text, payload));

    // ---------------------------------------------------------------- heartbeat

    /// <summary>True once the last PINGPONG is written and unanswered: its interval counts from the write (tests on a
    /// manual clock wait for it, since the client may read the frame before the send loop records the write).</summary>
    internal bool PingWritten => _heartbeat.OutstandingWritten;

    private void OnPingTimer()
    {
        if (_stalled || _closing) return;
        switch (_heartbeat.OnTick())
        {
            case PingTick.Missed:
                Interlocked.Increment(ref _hub.Counters._closesForMissedPing);
                Log.MissedPing(_hub.Logger, Id, _hub.Options.PingInterval);
                BeginClose(1000, "PINGPONG not answered");
                break;
            case PingTick.SendPing:
                Interlocked.Increment(ref _pingsSent);
                Interlocked.Increment(ref _hub.Counters._pingsSent);
                _control.Enqueue(WebSocketFraming.BuildFrame(WebSocketOpcode.Text, Replies.PingPong(_time.GetUtcNow())), isPing: true);
                break;
        }
    }

    private void PingAnswered()
    {
        if (!_heartbeat.TryAnswer()) return;
        Interlocked.Increment(ref _pingsAnswered);
        Interlocked.Increment(ref _hub.Counters._pingsAnswered);
    }
}
