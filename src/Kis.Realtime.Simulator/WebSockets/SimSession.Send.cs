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

                var subs = _snapshot;
                if (subs.Length == 0 || _closing || (pace.Mode == MarketPaceMode.Off && !Array.Exists(subs, s => s.Instrument.IsEventDriven)))
                {
                    await _control.Reader.WaitToReadAsync(ct).ConfigureAwait(false);
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
            // Anyone awaiting a queued frame (fault injection, replay) must not hang on a dead session: close the queue
            // first, so a later SendRawAsync fails its TryWrite (and completes at once) instead of waiting forever for a
            // loop that is gone, then release everything already queued.
            _control.Writer.TryComplete();
            while (_control.Reader.TryRead(out var left)) RawFrameDone(left);
        }
    }

    /// <summary>Writes the queued control frames (replies, pings, faults) first; true when one closes the session.
    /// Stops early when a fault stalls the session.</summary>
    private async Task<bool> WriteControlFramesAsync(CancellationToken ct)
    {
        while (_control.Reader.TryRead(out var item))
        {
            if (item.Frame is not null)
            {
                await _stream.WriteAsync(item.Frame, ct).ConfigureAwait(false);
                Interlocked.Add(ref _bytes, item.Frame.Length);
                Interlocked.Add(ref _hub.Counters._bytes, item.Frame.Length);
                if (item.IsFaultFrame) Interlocked.Increment(ref _hub.Counters._faultFrames);
                if (item.IsPing) PingWritten();
            }
            RawFrameDone(item);
            if (item.CloseAfter) return true;
            if (_stalled && !_closing) return false;
        }
        return false;
    }

    /// <summary>Rounds without anything to say in a row (only the send loop touches it).</summary>
    private int _emptyPicks;

    /// <summary>Sends what is due (notices first, then frames other subscribers' pace made, then this session's
    /// own pace), or sleeps until something is due, a control frame is queued or a notice is published.</summary>
    private async Task SendDueOrSleepAsync(Subscription[] subs, MarketPace pace, CancellationToken ct)
    {
        // Taken before looking for notices: one published after the look still wakes the wait below.
        var noticed = _hub.Venue.NoticePublished;
        // Cleared before looking at the tapes: a frame another session makes after the look wakes the wait below.
        Volatile.Write(ref _tapeWake, 0);
        var owed = false;
        var wait = NextEvent(subs, out var due, out var count, out var marketNow) || NextPending(subs, out due, out count, out marketNow)
            ? TimeSpan.Zero
            : pace.Mode == MarketPaceMode.Off ? MaxClosedWait // notices only: one wakes the wait
            : NextData(subs, pace, out due, out count, out marketNow, out owed);
        // Some notices come from the clock, not from a call (a day order's expiry at the close, found when the
        // venue is next asked): a session with notices asks at least this often.
        if (due is null && Array.Exists(subs, s => s.Instrument.IsEventDriven)) wait = Min(wait, EventPollInterval);
        if (due is not null)
        {
            if (await SendDataAsync(due, count, marketNow, owed, ct).ConfigureAwait(false))
            {
                _emptyPicks = 0;
                return;
            }
            // A whole round of subscriptions with nothing to say (flat out, every stock in a VI): rest a little
            // rather than spin.
            if (++_emptyPicks < subs.Length) return;
            _emptyPicks = 0;
            wait = NothingToSayWait;
        }

        // Nothing due: sleep until the next due time or until a control message arrives.
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var readable = _control.Reader.WaitToReadAsync(wake.Token).AsTask();
        var delay = Task.Delay(wait, _time, wake.Token);
        await Task.WhenAny(readable, delay, noticed).ConfigureAwait(false);
        await wake.CancelAsync().ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// An event-driven subscription (the paper venue's notices) with a record waiting: due now, one record, whatever
    /// the pace (KIS sends an order's notice within about a second of the order, not at a feed's rate).
    /// </summary>
    private bool NextEvent(Subscription[] subs, out Subscription? due, out int count, out DateTime marketNow)
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
    private bool NextPending(Subscription[] subs, out Subscription? due, out int count, out DateTime marketNow)
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

    /// <summary>The frames of a tape one send takes at most (the rest at the next turns).</summary>
    private const int PendingBatch = 16;
    private readonly TapeFrame[] _pending = new TapeFrame[PendingBatch];
    private int _pendingRobin;

    /// <summary>Longest wait of a session with notices between two looks for one the clock made.</summary>
    private static readonly TimeSpan EventPollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Frames the flat-out pace lets the slowest subscriber of an instrument fall behind before it waits for it (far
    /// below the tape's bound, so flat out loses nothing to a slow subscriber; a stalled one holds its instruments).
    /// </summary>
    private const int FlatOutLead = 64;

    /// <summary>The rest after a round in which no subscription had anything to say.</summary>
    private static readonly TimeSpan NothingToSayWait = TimeSpan.FromMilliseconds(10);

    /// <summary>Longest sleep while every subscription's market is closed: re-check now and then (the wall clock can jump).</summary>
    private static readonly TimeSpan MaxClosedWait = TimeSpan.FromMinutes(1);

    /// <summary>A closed subscription's owed record (KRX's close after a clock jump) becomes the next one due, at its own time.</summary>
    private static bool Owed(Subscription s, DateTime now, ref Subscription? due, ref int count, ref DateTime marketNow, ref bool owed)
    {
        if (s.Instrument.OwedAt(now) is null) return false;
        (due, count, marketNow, owed) = (s, 1, now, true);
        return true;
    }

    /// <summary>
    /// Picks the subscription due now and how many records it sends, or how long to wait. Only subscriptions whose
    /// market is open (the one market clock, <see cref="Market.TradingHours"/>) are sent anything.
    /// </summary>
    private TimeSpan NextData(Subscription[] subs, MarketPace pace, out Subscription? due, out int count, out DateTime marketNow, out bool owed)
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
    private TimeSpan NextFlatOut(Subscription[] subs, DateTime now, ref Subscription? due, ref int count, ref DateTime marketNow, ref bool owed)
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
    private TimeSpan NextAtRate(Subscription[] subs, MarketPace pace, DateTime now,
        ref Subscription? due, ref int count, ref DateTime marketNow, ref bool owed)
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
    private TimeSpan NextDemo(Subscription[] subs, DateTime now, ref Subscription? due, ref int count, ref DateTime marketNow, ref bool owed)
    {
        var ts = _time.GetTimestamp();
        Subscription? first = null;
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

    private TimeSpan UntilFirstOpen(Subscription[] subs, DateTime now)
    {
        var wait = MaxClosedWait;
        foreach (var s in subs)
            if (!s.Instrument.IsEventDriven) wait = Min(wait, _hub.Market.Clock.UntilOpen(s.Instrument.Hours, now));
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>
    /// Sends the due subscription's next records: the venue's notices straight from the venue; a market instrument's
    /// frame made now (<paramref name="count"/> records, or the record it owes) on its tape, then every frame of the tape
    /// this session has not sent. False when it had nothing to say (no frame sent).
    /// </summary>
    private async ValueTask<bool> SendDataAsync(Subscription sub, int count, DateTime marketNow, bool owed, CancellationToken ct)
    {
        if (sub.Reader is not { } reader)
        {
            var (offset, length, records) = BuildEncryptedFrame(sub, marketNow);
            if (records == 0) return false; // the venue's notices when no order did anything: no frame
            await WriteDataAsync(_sendBuffer.AsMemory(offset, length), records, ct).ConfigureAwait(false);
            return true;
        }
        if (count > 0 || owed) sub.Instrument.Produce(reader, count, marketNow, _sendBuffer.AsSpan(PayloadStart), FrameWriter.ToWebSocketFrame, owed);
        // One batch: more left goes out at the next turns, between the session's replies, pings and other subscriptions.
        var n = sub.Instrument.TakePending(reader, _pending);
        for (var i = 0; i < n; i++)
        {
            var frame = _pending[i];
            _pending[i] = default;
            // A plain frame's bytes are the same for every subscriber; a notice is encrypted with this session's key.
            var bytes = sub.Tr.Encrypted ? EncryptedFrame(sub, frame.Bytes) : frame.Bytes;
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

    /// <summary>A tape's plain notice encrypted with this session's key, as one frame (KIS sends notices one at a time).</summary>
    private ReadOnlyMemory<byte> EncryptedFrame(Subscription sub, byte[] plain)
    {
        var buffer = _sendBuffer!;
        var cipherText = _cipher.EncryptToBase64(plain);
        FrameWriter.WriteHeader(buffer.AsSpan(FrameStart), encrypted: true, sub.Tr.TrId, 1);
        cipherText.CopyTo(buffer.AsSpan(PayloadStart));
        var (offset, length, _) = Frame(buffer, FrameWriter.HeaderLength + cipherText.Length, 1);
        return buffer.AsMemory(offset, length);
    }

    /// <summary>One notice per frame, encrypted with this session's key (KIS sends notices one at a time).</summary>
    private (int Offset, int Length, int Records) BuildEncryptedFrame(Subscription sub, DateTime marketNow)
    {
        Span<byte> plain = stackalloc byte[1024];
        var writer = new RecordWriter(plain);
        // Nothing to say (the venue's notices when no order did anything): no frame, not an empty encrypted one.
        if (sub.Instrument.WriteRecords(ref writer, 1, marketNow) == 0) return (0, 0, 0);
        var buffer = _sendBuffer!;
        var cipherText = _cipher.EncryptToBase64(writer.WrittenSpan);
        FrameWriter.WriteHeader(buffer.AsSpan(FrameStart), encrypted: true, sub.Tr.TrId, 1);
        cipherText.CopyTo(buffer.AsSpan(PayloadStart));
        return Frame(buffer, FrameWriter.HeaderLength + cipherText.Length, 1);
    }

    private static (int, int, int) Frame(byte[] buffer, int payloadLength, int records)
    {
        var header = WebSocketFrameHeader.LengthFor(payloadLength, masked: false);
        WebSocketFrameHeader.Write(buffer.AsSpan(FrameStart - header), WebSocketOpcode.Text, payloadLength);
        return (FrameStart - header, header + payloadLength, records);
    }
}
