using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Simulator.WebSockets;

internal sealed partial class SimSession
{
    private async Task SendLoopAsync(CancellationToken ct)
    {
        var pace = _hub.Options.Pace;
        var emptyPicks = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (_stalled && !_closing)
                {
                    await _unstalled.Task.WaitAsync(ct).ConfigureAwait(false);
                    continue;
                }

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
                    if (item.CloseAfter) return;
                    if (_stalled && !_closing) break;
                }
                if (_stalled) continue;

                var subs = _snapshot;
                if (subs.Length == 0 || _closing || (pace.Mode == MarketPaceMode.Off && !Array.Exists(subs, s => s.Instrument.IsEventDriven)))
                {
                    await _control.Reader.WaitToReadAsync(ct).ConfigureAwait(false);
                    continue;
                }

                // Taken before looking for notices: one published after the look still wakes the wait below.
                var noticed = _hub.Venue.NoticePublished;
                var wait = NextEvent(subs, out var due, out var count, out var marketNow) ? TimeSpan.Zero
                    : pace.Mode == MarketPaceMode.Off ? MaxClosedWait // notices only: one wakes the wait
                    : NextData(subs, pace, out due, out count, out marketNow);
                // Some notices come from the clock, not from a call (a day order's expiry at the close, found when the
                // venue is next asked): a session with notices asks at least this often.
                if (due is null && Array.Exists(subs, s => s.Instrument.IsEventDriven)) wait = Min(wait, EventPollInterval);
                if (due is not null)
                {
                    if (await SendDataAsync(due, count, marketNow, ct).ConfigureAwait(false))
                    {
                        emptyPicks = 0;
                        continue;
                    }
                    // A whole round of subscriptions with nothing to say (flat out, every stock in a VI): rest a little
                    // rather than spin.
                    if (++emptyPicks < subs.Length) continue;
                    emptyPicks = 0;
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

    /// <summary>Longest wait of a session with notices between two looks for one the clock made.</summary>
    private static readonly TimeSpan EventPollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The rest after a round in which no subscription had anything to say.</summary>
    private static readonly TimeSpan NothingToSayWait = TimeSpan.FromMilliseconds(10);

    /// <summary>Longest sleep while every subscription's market is closed: re-check now and then (the wall clock can jump).</summary>
    private static readonly TimeSpan MaxClosedWait = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Picks the subscription due now and how many records it sends, or how long to wait. Only subscriptions whose
    /// market is open (the one market clock, <see cref="Market.TradingHours"/>) are sent anything.
    /// </summary>
    /// <summary>A closed subscription's owed record (KRX's close after a clock jump) becomes the next one due, at its own time.</summary>
    private static bool Owed(Subscription s, DateTime now, ref Subscription? due, ref int count, ref DateTime marketNow)
    {
        if (s.Instrument.OwedAt(now) is not { } at) return false;
        (due, count, marketNow) = (s, 1, at);
        return true;
    }

    private TimeSpan NextData(Subscription[] subs, MarketPace pace, out Subscription? due, out int count, out DateTime marketNow)
    {
        var max = _hub.Options.MaxRecordsPerFrame;
        var clock = _hub.Market.Clock;
        var now = marketNow = clock.Now();
        due = null;
        count = 0;
        switch (pace.Mode)
        {
            case MarketPaceMode.FlatOut:
            {
                for (var i = 0; i < subs.Length; i++)
                {
                    var s = subs[(int)((uint)_roundRobin++ % (uint)subs.Length)];
                    if (s.Instrument.IsEventDriven) continue; // sent as they happen (NextEvent)
                    if (!s.Instrument.Hours.IsOpen(now))
                    {
                        if (Owed(s, now, ref due, ref count, ref marketNow)) return TimeSpan.Zero;
                        continue;
                    }
                    due = s;
                    count = s.Tr.Encrypted ? 1 : max;
                    return TimeSpan.Zero;
                }
                return UntilFirstOpen(subs, now);
            }

            case MarketPaceMode.Rate:
            {
                var ts = _time.GetTimestamp();
                var freq = (double)_time.TimestampFrequency;
                var shortest = double.MaxValue;
                for (var i = 0; i < subs.Length; i++)
                {
                    var s = subs[(_roundRobin + i) % subs.Length];
                    if (s.Instrument.IsEventDriven) continue; // sent as they happen (NextEvent)
                    if (!s.Instrument.Hours.IsOpen(now))
                    {
                        if (Owed(s, now, ref due, ref count, ref marketNow)) return TimeSpan.Zero;
                        // A closed market owes no pace: no credit piles up for the open.
                        s.Credit = 0;
                        s.LastTimestamp = ts;
                        shortest = Math.Min(shortest, clock.UntilOpen(s.Instrument.Hours, now).TotalSeconds);
                        continue;
                    }
                    s.Credit = Math.Min(s.Credit + (ts - s.LastTimestamp) / freq * pace.RecordsPerSecond, Math.Max(1, pace.RecordsPerSecond));
                    s.LastTimestamp = ts;
                    if (s.Credit >= 1)
                    {
                        count = (int)Math.Min(Math.Floor(s.Credit), s.Tr.Encrypted ? 1 : max);
                        s.Credit -= count;
                        due = s;
                        _roundRobin++;
                        return TimeSpan.Zero;
                    }
                    shortest = Math.Min(shortest, (1 - s.Credit) / pace.RecordsPerSecond);
                }
                return shortest == double.MaxValue ? MaxClosedWait : Min(TimeSpan.FromSeconds(Math.Max(shortest, 0.001)), MaxClosedWait);
            }

            default: // Demo
            {
                var ts = _time.GetTimestamp();
                Subscription? first = null;
                foreach (var s in subs)
                {
                    if (s.Instrument.IsEventDriven) continue; // sent as they happen (NextEvent)
                    if (s.NextDue <= ts && !s.Instrument.Hours.IsOpen(now))
                    {
                        if (Owed(s, now, ref due, ref count, ref marketNow)) return TimeSpan.Zero;
                        // Closed: next chance when its market opens (re-checked at least every MaxClosedWait).
                        var wait = Min(clock.UntilOpen(s.Instrument.Hours, now), MaxClosedWait);
                        s.NextDue = ts + Math.Max(1, (long)(wait.TotalSeconds * _time.TimestampFrequency));
                    }
                    if (first is null || s.NextDue < first.NextDue) first = s;
                }
                if (first is null) return MaxClosedWait; // only notices: a notice wakes the loop
                if (first.NextDue <= ts)
                {
                    // Mostly single records, sometimes a burst sent as one multi-record frame (as KIS pages bursts).
                    var roll = first.Pace.Next(100);
                    count = first.Tr.Encrypted ? 1 : roll < 70 ? 1 : roll < 90 ? first.Pace.Next(2, 4) : first.Pace.Next(4, 9);
                    count = Math.Min(count, max);
                    first.NextDue = ts + (long)(first.Pace.Next(400, 1200) / 1000.0 * _time.TimestampFrequency);
                    due = first;
                    return TimeSpan.Zero;
                }
                return _time.GetElapsedTime(ts, first.NextDue);
            }
        }
    }

    private TimeSpan UntilFirstOpen(Subscription[] subs, DateTime now)
    {
        var wait = MaxClosedWait;
        foreach (var s in subs)
            if (!s.Instrument.IsEventDriven) wait = Min(wait, _hub.Market.Clock.UntilOpen(s.Instrument.Hours, now));
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Sends the due subscription's next records; false when it had nothing to say (no frame sent).</summary>
    private async ValueTask<bool> SendDataAsync(Subscription sub, int count, DateTime marketNow, CancellationToken ct)
    {
        var (offset, length, records) = sub.Tr.Encrypted ? BuildEncryptedFrame(sub, marketNow) : BuildPlainFrame(sub, count, marketNow);
        if (records == 0) return false; // nothing to say now (trades during a VI, an unchanged market status): no frame
        await _stream.WriteAsync(_sendBuffer.AsMemory(offset, length), ct).ConfigureAwait(false);
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _records, records);
        Interlocked.Add(ref _bytes, length);
        Interlocked.Increment(ref _hub.Counters._frames);
        Interlocked.Add(ref _hub.Counters._records, records);
        Interlocked.Add(ref _hub.Counters._bytes, length);
        return true;
    }

    /// <summary>Writes up to <paramref name="count"/> records into the send buffer behind a reserved header; returns the WebSocket frame's span.</summary>
    private (int Offset, int Length, int Records) BuildPlainFrame(Subscription sub, int count, DateTime marketNow)
    {
        var buffer = _sendBuffer!;
        var writer = new RecordWriter(buffer.AsSpan(PayloadStart));
        var n = sub.Instrument.WriteRecords(ref writer, count, marketNow);
        if (n == 0) return (0, 0, 0);
        FrameWriter.WriteHeader(buffer.AsSpan(FrameStart), encrypted: false, sub.Tr.TrId, n);
        return Frame(buffer, FrameWriter.HeaderLength + writer.Written, n);
    }

    /// <summary>One notice per frame, encrypted with this session's key (KIS sends notices one at a time).</summary>
    private (int Offset, int Length, int Records) BuildEncryptedFrame(Subscription sub, DateTime marketNow)
    {
        var buffer = _sendBuffer!;
        Span<byte> plain = stackalloc byte[1024];
        var writer = new RecordWriter(plain);
        // Nothing to say (the venue's notices when no order did anything): no frame, not an empty encrypted one.
        if (sub.Instrument.WriteRecords(ref writer, 1, marketNow) == 0) return (0, 0, 0);
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
