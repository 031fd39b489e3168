namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The publisher's account of every record handed over: received, then confirmed, overflowed, fenced (dropped by the fence),
/// or still held (waiting, unconfirmed). One owner and one lock (<c>_gate</c>, with the outstanding confirms): a record moves
/// from one count to the next under it, so <see cref="Figures"/> is one moment's (a status that read Received and Fenced
/// at two moments was off by one while a fenced publisher still received). The counts of what is final (received,
/// confirmed, overflowed, fenced) are one moment's; what is still held (waiting in the buffer, packed, outstanding) moves
/// between those stages outside the lock, so a snapshot's split of the held records among them is approximate (a record
/// between receipt and the buffer is in none for an instant). No user code runs under the lock (the sinks are called outside it).
/// </summary>
internal sealed partial class RecordPublisher
{
    private long _received, _confirmed, _overflowed, _fenced, _notTaken; // under _gate (read alone without it)
    private bool _intakeClosed; // under _gate: CloseIntake

    /// <summary>Records handed over and taken (counted before the sinks and the buffer).</summary>
    public long Received => Interlocked.Read(ref _received);
    public long Confirmed => Interlocked.Read(ref _confirmed);
    public long Overflowed => Interlocked.Read(ref _overflowed);

    /// <summary>Records dropped by the fence: held (unconfirmed, packed or waiting) when the term ended, or handed over after.</summary>
    public long Fenced => Interlocked.Read(ref _fenced);

    /// <summary>Records handed over after <see cref="CloseIntake"/>: neither received nor buffered (a stop's count is final).</summary>
    public long NotTaken => Interlocked.Read(ref _notTaken);

    /// <summary>Records waiting to be published: in the buffer, or packed and not yet sent.</summary>
    public long Waiting => _buffer.Reader.Count + Interlocked.Read(ref _packedRecords);

    /// <summary>The counts at one moment.</summary>
    public PublisherFigures Figures() { lock (_gate) return FiguresHeld(); }

    /// <summary>Takes no more records: those handed over from now on (a KIS session still closing after a stop's end) are only
    /// counted as <see cref="NotTaken"/>, so the figures returned, of the same moment, are final for what it received.</summary>
    public PublisherFigures CloseIntake()
    {
        lock (_gate)
        {
            _intakeClosed = true;
            return FiguresHeld();
        }
    }

    private PublisherFigures FiguresHeld() =>
        new(_received, _confirmed, _overflowed, _fenced, FencedBy, _outstandingRecords, Waiting, _notTaken);

    /// <summary>A record handed over: received, unless the intake is closed; dropped at once when fenced. True: buffer it.</summary>
    private bool CountReceipt()
    {
        lock (_gate)
        {
            if (_intakeClosed)
            {
                _notTaken++;
                return false;
            }
            _received++;
            if (!IsFenced) return true;
            _fenced++;
            return false;
        }
    }

    /// <summary>A received record the buffer refused: fenced meanwhile (the fence completes the buffer), else overflowed.
    /// Returns the records overflowed so far, or 0 when this one was fenced.</summary>
    private long CountRefused()
    {
        lock (_gate)
        {
            if (!IsFenced) return ++_overflowed;
            _fenced++;
            return 0;
        }
    }
}
