namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// One frame of an instrument's tape: a plain TR's whole WebSocket frame, encoded once and sent as the same bytes to
/// every subscribed session; an encrypted TR's single plain record, which each session encrypts with its own key.
/// </summary>
internal readonly record struct TapeFrame(byte[] Bytes, int Records);

/// <summary>Makes a plain frame's wire bytes from its records (the sessions' framing; the market does not know it).</summary>
internal delegate byte[] FrameEncoder(TrId trId, int recordCount, ReadOnlySpan<byte> records);

/// <summary>Told when an instrument put a new frame on its tape (a session's send loop wakes and sends it).</summary>
internal interface IFrameListener
{
    void TapeAppended();
}

/// <summary>One subscriber's place on an instrument's tape; its fields belong to the instrument's lock.</summary>
internal sealed class TapeReader(IFrameListener listener)
{
    /// <summary>The tape sequence number of the next frame this subscriber sends.</summary>
    internal long Cursor;

    public IFrameListener Listener { get; } = listener;
}

/// <summary>
/// The instrument's tape (issue 55): KIS sends every subscriber every record, so each frame the instrument makes is kept
/// until every subscribed session has sent it. Whichever subscriber's pace finds a frame due makes it (see
/// <see cref="TapePace"/>); the others are woken and send the same bytes. A subscriber starts at the tape's head (it
/// gets what happens after it subscribed). A session that stops reading (stalled, a slow socket) while others go on
/// loses the oldest frames beyond <see cref="MaxTapeFrames"/> or <see cref="MaxTapeBytes"/>, counted in
/// <see cref="SimulatorCounters.RecordsLostBehind"/>, so memory stays bounded and the loss is visible.
/// </summary>
internal sealed partial class Instrument
{
    /// <summary>Most frames kept for a subscriber that fell behind.</summary>
    public const int MaxTapeFrames = 4096;

    /// <summary>Most bytes kept for a subscriber that fell behind.</summary>
    public const long MaxTapeBytes = 4 << 20;

    private TapeFrame[] _ring = new TapeFrame[4];
    private int _ringStart, _ringCount;
    private long _firstSeq, _tapeBytes, _recordsMade;
    private readonly List<TapeReader> _readers = [];

    private long Head => _firstSeq + _ringCount;

    /// <summary>A subscriber joins the tape at its head (and the instrument's pace, see <see cref="TapePace.Join"/>).</summary>
    public TapeReader JoinTape(IFrameListener listener, long timestamp, long frequency)
    {
        var reader = new TapeReader(listener);
        lock (_gate)
        {
            reader.Cursor = Head;
            _readers.Add(reader);
        }
        Pace.Join(timestamp, frequency);
        return reader;
    }

    /// <summary>A subscriber leaves (released, or its session ended): the frames only it still owed are let go.</summary>
    public void LeaveTape(TapeReader reader)
    {
        lock (_gate)
        {
            if (!_readers.Remove(reader)) return;
            TrimRead();
        }
        Pace.Leave();
    }

    /// <summary>
    /// Records this instrument put on its tape for its subscribers, since it began: what every subscriber was sent, the
    /// truth a test of redundant sessions counts against (RedundantFeedKillTests).
    /// </summary>
    public long RecordsMade
    {
        get { lock (_gate) return _recordsMade; }
    }

    /// <summary>Records on the tape that some subscriber has not sent yet (made, not yet sent by the slowest).</summary>
    public long RecordsUnsent
    {
        get
        {
            lock (_gate)
            {
                long n = 0;
                for (var i = 0; i < _ringCount; i++) n += _ring[(_ringStart + i) % _ring.Length].Records;
                return n;
            }
        }
    }

    /// <summary>Frames on the tape that some subscriber has not sent yet (how far the slowest one is behind).</summary>
    public int UnsentFrames
    {
        get { lock (_gate) return _ringCount; } // the tape keeps only frames someone still owes (TrimRead)
    }

    /// <summary>True when the tape holds frames <paramref name="reader"/> has not sent.</summary>
    public bool HasPending(TapeReader reader)
    {
        lock (_gate) return reader.Cursor < Head;
    }

    /// <summary>Takes up to <paramref name="into"/>'s length of the frames <paramref name="reader"/> has not sent, oldest first.</summary>
    public int TakePending(TapeReader reader, Span<TapeFrame> into)
    {
        lock (_gate)
        {
            var n = 0;
            while (n < into.Length && reader.Cursor < Head)
            {
                into[n++] = _ring[(_ringStart + (int)(reader.Cursor - _firstSeq)) % _ring.Length];
                reader.Cursor++;
            }
            TrimRead();
            return n;
        }
    }

    /// <summary>
    /// Makes the next frame of up to <paramref name="count"/> records at market time <paramref name="now"/> (with
    /// <paramref name="owedOnly"/>, the record the closed stream still owes, if it still does) and puts it on the tape;
    /// every other subscriber is woken. <paramref name="scratch"/> holds the records while they are written;
    /// <paramref name="encode"/> frames a plain TR's records once for every subscriber. Returns how many records the
    /// frame carries (0: nothing to say, no frame).
    /// </summary>
    public int Produce(TapeReader producer, int count, DateTime now, Span<byte> scratch, FrameEncoder encode, bool owedOnly = false)
    {
        TapeReader[] wake;
        int n;
        lock (_gate)
        {
            if (owedOnly)
            {
                // Another subscriber may have made the owed record since this one looked.
                if (stream.OwedAt(now) is not { } at) return 0;
                (now, count) = (at, 1);
            }
            var writer = new RecordWriter(scratch);
            n = WriteRecordsLocked(ref writer, Tr.Encrypted ? 1 : count, now);
            if (n == 0) return 0;
            var bytes = Tr.Encrypted ? writer.WrittenSpan.ToArray() : encode(Tr.TrId, n, writer.WrittenSpan);
            Append(new TapeFrame(bytes, n));
            _recordsMade += n;
            wake = _readers.Count > 1 ? [.. _readers] : [];
        }
        foreach (var reader in wake)
            if (reader != producer) reader.Listener.TapeAppended();
        return n;
    }

    private void Append(TapeFrame frame)
    {
        if (_ringCount == _ring.Length)
        {
            var grown = new TapeFrame[_ring.Length * 2];
            for (var i = 0; i < _ringCount; i++) grown[i] = _ring[(_ringStart + i) % _ring.Length];
            (_ring, _ringStart) = (grown, 0);
        }
        _ring[(_ringStart + _ringCount++) % _ring.Length] = frame;
        _tapeBytes += frame.Bytes.Length;
        TrimRead();
        // A subscriber that fell too far behind loses the oldest frames (counted), so memory stays bounded.
        while (_ringCount > 1 && (_ringCount > MaxTapeFrames || _tapeBytes > MaxTapeBytes))
        {
            var oldest = _ring[_ringStart];
            foreach (var reader in _readers)
            {
                if (reader.Cursor != _firstSeq) continue;
                reader.Cursor++;
                if (counters is not null) Interlocked.Add(ref counters._recordsLostBehind, oldest.Records);
            }
            DropOldest();
        }
    }

    /// <summary>Lets go of the frames every subscriber has sent (all of them when nobody subscribes).</summary>
    private void TrimRead()
    {
        var read = Head;
        foreach (var reader in _readers) read = Math.Min(read, reader.Cursor);
        while (_firstSeq < read) DropOldest();
    }

    private void DropOldest()
    {
        _tapeBytes -= _ring[_ringStart].Bytes.Length;
        _ring[_ringStart] = default;
        _ringStart = (_ringStart + 1) % _ring.Length;
        _ringCount--;
        _firstSeq++;
    }
}
