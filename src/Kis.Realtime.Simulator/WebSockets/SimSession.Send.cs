using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Simulator.WebSockets;

internal sealed partial class SimSession
{
    private async Task SendLoopAsync(CancellationToken ct)
    {
        var pace = _hub.Options.Pace;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (_stalled && !_closing)
                {
                    await _unstalled.Task.WaitAsync(ct).ConfigureAwait(false);
                    continue;
                }
                if (await WriteControlFramesAsync(ct).ConfigureAwait(false)) return; // a frame that closes the session
                if (_stalled) continue;

                var subs = _subscriptions.Current;
                if (subs.Length == 0 || _closing || (pace.Mode == MarketPaceMode.Off && !Array.Exists(subs, s => s.Instrument.IsEventDriven)))
                {
                    await _control.WaitToReadAsync(ct).ConfigureAwait(false);
                    continue;
                }
                await SendDueOrSleepAsync(subs, pace, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            if (!_closing) _endReason = "connection lost while sending";
        }
        finally
        {
            _control.CompleteAndRelease();
        }
    }

    /// <summary>Writes the queued control frames (replies, pings, faults) first; true when one closes the session.
    /// Stops early when a fault stalls the session.</summary>
    private async Task<bool> WriteControlFramesAsync(CancellationToken ct)
    {
        while (_control.TryRead(out var item))
        {
            if (item.Frame is not null)
            {
                await _stream.WriteAsync(item.Frame, ct).ConfigureAwait(false);
                Interlocked.Add(ref _bytes, item.Frame.Length);
                Interlocked.Add(ref _hub.Counters._bytes, item.Frame.Length);
                if (item.IsFaultFrame) Interlocked.Increment(ref _hub.Counters._faultFrames);
                if (item.IsPing) _heartbeat.Written();
            }
            _control.Done(item);
            if (item.CloseAfter) return true;
            if (_stalled && !_closing) return false;
        }
        return false;
    }

    /// <summary>The frames of a tape one send takes at most (the rest at the next turns).</summary>
    private const int PendingBatch = 16;
    private readonly TapeFrame[] _pending = new TapeFrame[PendingBatch];

    /// <summary>Sends what is due (see <see cref="SendScheduler"/>), or sleeps until something is due, a control
    /// frame is queued or a notice is published.</summary>
    private async Task SendDueOrSleepAsync(SessionSubscription[] subs, MarketPace pace, CancellationToken ct)
    {
        // Taken before looking for notices: one published after the look still wakes the wait below.
        var noticed = _hub.Venue.NoticePublished;
        // Cleared before looking at the tapes: a frame another session makes after the look wakes the wait below.
        Volatile.Write(ref _tapeWake, 0);
        var pick = _scheduler.Pick(subs, pace);
        var wait = pick.Wait;
        if (pick.Due is { } due)
        {
            if (await SendDataAsync(due, pick.Count, pick.MarketNow, pick.Owed, ct).ConfigureAwait(false))
            {
                _scheduler.Sent();
                return;
            }
            if (!_scheduler.NothingToSay(subs.Length)) return;
            wait = SendScheduler.NothingToSayWait;
        }

        // Nothing due: sleep until the next due time or until a control message arrives.
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var readable = _control.WaitToReadAsync(wake.Token).AsTask();
        var delay = Task.Delay(wait, _time, wake.Token);
        await Task.WhenAny(readable, delay, noticed).ConfigureAwait(false);
        await wake.CancelAsync().ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Sends the due subscription's next records: the venue's notices straight from the venue; a market instrument's
    /// frame made now (<paramref name="count"/> records, or the record it owes) on its tape, then every frame of the tape
    /// this session has not sent. False when it had nothing to say (no frame sent).
    /// </summary>
    private async ValueTask<bool> SendDataAsync(SessionSubscription sub, int count, DateTime marketNow, bool owed, CancellationToken ct)
    {
        var buffer = _sendBuffer!;
        if (sub.Reader is not { } reader)
        {
            var notice = buffer.NextNoticeFrame(sub, marketNow);
            if (notice.IsEmpty) return false; // the venue's notices when no order did anything: no frame
            await WriteDataAsync(notice, 1, ct).ConfigureAwait(false);
            return true;
        }
        if (count > 0 || owed) sub.Instrument.Produce(reader, count, marketNow, buffer.Payload, FrameWriter.ToWebSocketFrame, owed);
        // One batch: more left goes out at the next turns, between the session's replies, pings and other subscriptions.
        var n = sub.Instrument.TakePending(reader, _pending);
        for (var i = 0; i < n; i++)
        {
            var frame = _pending[i];
            _pending[i] = default;
            // A plain frame's bytes are the same for every subscriber; a notice is encrypted with this session's key.
            var bytes = sub.Tr.Encrypted ? buffer.EncryptedFrame(sub, frame.Bytes) : frame.Bytes;
            await WriteDataAsync(bytes, frame.Records, ct).ConfigureAwait(false);
        }
        return n > 0; // false: nothing to say now (trades during a VI, an unchanged market status)
    }

    private async ValueTask WriteDataAsync(ReadOnlyMemory<byte> frame, int records, CancellationToken ct)
    {
        await _stream.WriteAsync(frame, ct).ConfigureAwait(false);
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _records, records);
        Interlocked.Add(ref _bytes, frame.Length);
        Interlocked.Increment(ref _hub.Counters._frames);
        Interlocked.Add(ref _hub.Counters._records, records);
        Interlocked.Add(ref _hub.Counters._bytes, frame.Length);
    }
}
