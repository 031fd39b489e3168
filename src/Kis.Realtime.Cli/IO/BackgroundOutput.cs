namespace Kis.Realtime.Cli.IO;

/// <summary>
/// A write-only stream in front of standard output whose system calls happen on a background thread: the thread that
/// produces the output (with inline delivery, a session's receive loop) never blocks on a slow reader of the pipe.
/// Writes collect in memory and go out in one call: when <see cref="Flush"/> asks, and — with a write-behind delay — at
/// most that long after they were written, without anyone asking. <see cref="IsFull"/> tells the producer to drop (and
/// count) instead of growing past the bound.
/// </summary>
/// <remarks>
/// The writer is a dedicated thread parked in <see cref="Monitor.Wait(object)"/>, not a thread-pool task: waking it
/// is one context switch. (Releasing a task's semaphore queued a work item, which woke a pool worker, which woke a
/// second one to look for more work.) With write-behind, while records keep coming the writer wakes only on its own
/// timeout, once a delay: the producer (the receive loop) neither signals it nor runs a flush timer — unless a
/// pipe's worth (<see cref="WriteSoonBytes"/>) has collected, which is written at once rather than held.
/// <para>
/// Memory is bounded by bytes, not by items: bytes collect in fixed chunks (reused), so what is held is what waits plus
/// at most one chunk — never a doubled array (a growing array writer held up to twice the bound, twice over, as the
/// collecting and the written buffer swap). At most the bound collects while at most the bound is being written.
/// While output flows every written chunk is kept for reuse, so a busy stream allocates no chunk after its first
/// bound's worth: a chunk given back to the GC has usually lived long enough (waiting, then being written) to reach
/// generation 2, and those dead chunks grew a flat-out soak's heap until a full collection. What is kept is bounded by
/// what was ever in flight (twice the bound); after a quiet delay the spares are trimmed back to a few.
/// </para>
/// </remarks>
internal sealed class BackgroundOutput : Stream
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213", Justification = "The caller's stream (standard output): the caller owns it")]
    private readonly Stream _target;
    private readonly long _capacity;
    private readonly TimeSpan? _writeBehind;
    private readonly object _lock = new(); // a Monitor: the writer thread waits on it
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>A pipe's capacity on Linux: this much collected is written without waiting for the delay.</summary>
    public const int WriteSoonBytes = 64 * 1024;
    private const int ChunkBytes = 64 * 1024; // below the large object heap's 85,000 bytes
    private const int QuietSpareChunks = 16; // kept once output has been quiet for a delay; more are left to the GC

    private List<byte[]> _pending = []; // under _lock: full chunks, then the tail
    private int _tailUsed; // under _lock: bytes used in the last chunk of _pending
    private long _pendingBytes; // under _lock
    private List<byte[]> _writing = []; // the writer thread's own (swapped with _pending under _lock)
    private readonly Stack<byte[]> _spare = new(); // under _lock
    private long _chunksAllocated; // under _lock
    private bool _flushRequested, _completed; // under _lock
    private bool _writerAwake; // under _lock; write-behind only: the writer is in its delay, a write need not wake it
    private Exception? _failure; // under _lock
    private long _linesLost; // under _lock: lines in the buffer whose write failed
    private readonly Action<Exception>? _onFailure;

    /// <param name="target">Where the bytes go (standard output).</param>
    /// <param name="capacityBytes">How much may wait to be written before <see cref="IsFull"/>.</param>
    /// <param name="writeBehind">
    /// Null: bytes go out only when <see cref="Flush"/> asks. Otherwise at most this long after they were written.
    /// </param>
    /// <param name="onFailure">
    /// Called once, on the writer thread, when writing failed (a reader that closed the pipe): the producer learns it
    /// at once rather than at its next write, which may be long in coming.
    /// </param>
    public BackgroundOutput(Stream target, long capacityBytes, TimeSpan? writeBehind = null, Action<Exception>? onFailure = null)
    {
        _target = target;
        _capacity = capacityBytes;
        _writeBehind = writeBehind;
        _onFailure = onFailure;
        new Thread(WriteLoop) { IsBackground = true, Name = "kisrt-output" }.UnsafeStart();
    }

    /// <summary>True while more than the bound waits to be written (the reader of the pipe is behind).</summary>
    public bool IsFull
    {
        get
        {
            lock (_lock) return _pendingBytes >= _capacity;
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_lock)
        {
            ThrowIfFailed();
            var before = _pendingBytes;
            Append(buffer);
            if (_writeBehind is null) return;
            if (!_writerAwake) _writerAwake = true; // the first write after a quiet spell starts the delay
            else if (before >= WriteSoonBytes || _pendingBytes < WriteSoonBytes) return; // the delay runs on
            Monitor.Pulse(_lock); // (a pipe's worth collected: cuts the delay short)
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    private void Append(ReadOnlySpan<byte> bytes) // under _lock
    {
        _pendingBytes += bytes.Length;
        while (!bytes.IsEmpty)
        {
            if (_pending.Count == 0 || _tailUsed == ChunkBytes)
            {
                _pending.Add(_spare.TryPop(out var chunk) ? chunk : NewChunk());
                _tailUsed = 0;
            }
            var n = Math.Min(bytes.Length, ChunkBytes - _tailUsed);
            bytes[..n].CopyTo(_pending[^1].AsSpan(_tailUsed));
            _tailUsed += n;
            bytes = bytes[n..];
        }
    }

    private byte[] NewChunk() // under _lock
    {
        _chunksAllocated++;
        return new byte[ChunkBytes];
    }

    /// <summary>How many chunks this stream has allocated in all (reused ones counted once).</summary>
    internal long ChunksAllocated
    {
        get
        {
            lock (_lock) return _chunksAllocated;
        }
    }

    /// <summary>The bytes of a list of chunks whose last one holds <paramref name="tailUsed"/>.</summary>
    private static IEnumerable<ReadOnlyMemory<byte>> Segments(List<byte[]> chunks, int tailUsed) =>
        chunks.Select((chunk, i) => (ReadOnlyMemory<byte>)chunk.AsMemory(0, i == chunks.Count - 1 ? tailUsed : ChunkBytes));

    private static long Lines(List<byte[]> chunks, int tailUsed) =>
        Segments(chunks, tailUsed).Sum(s => (long)s.Span.Count((byte)'\n'));

    /// <summary>Asks for what was written so far to be written out now; returns at once.</summary>
    public override void Flush()
    {
        lock (_lock)
        {
            ThrowIfFailed();
            if (_flushRequested || _pendingBytes == 0) return;
            _flushRequested = true; // one request outstanding at most
            Monitor.Pulse(_lock);
        }
    }

    /// <summary>Bytes of buffer this stream holds besides what is being written: what waits, rounded up to a chunk, and the spare chunks.</summary>
    public long BytesHeld
    {
        get
        {
            lock (_lock) return (long)(_pending.Count + _spare.Count) * ChunkBytes;
        }
    }

    /// <summary>
    /// After writing failed: how many lines (records, for line formats) were given to this stream and not written —
    /// those of the failed write (some of it may have reached the reader) and those that waited behind it. 0 otherwise.
    /// </summary>
    public long LinesNotWritten
    {
        get
        {
            lock (_lock) return _failure is null ? 0 : _linesLost + Lines(_pending, _tailUsed);
        }
    }

    /// <summary>Writes out what is left and ends the background thread; throws what writing failed with, if it did.</summary>
    public async Task CompleteAsync()
    {
        lock (_lock)
        {
            _completed = true;
            Monitor.Pulse(_lock);
        }
        await _writerDone.Task.ConfigureAwait(false);
        lock (_lock) ThrowIfFailed();
    }

    private void WriteLoop()
    {
        try
        {
            WriteUntilCompleted();
        }
        finally
        {
            _writerDone.TrySetResult();
        }
    }

    private void WriteUntilCompleted()
    {
        while (true)
        {
            bool last;
            int tailUsed;
            lock (_lock)
            {
                WaitUntilSomethingIsDue();
                (_pending, _writing) = (_writing, _pending);
                tailUsed = _tailUsed;
                (_tailUsed, _pendingBytes) = (0, 0);
                _flushRequested = false;
                last = _completed;
            }
            try
            {
                if (_writing.Count > 0)
                {
                    foreach (var segment in Segments(_writing, tailUsed)) _target.Write(segment.Span);
                    _target.Flush();
                }
            }
            catch (Exception e)
            {
                lock (_lock)
                {
                    _failure = e; // reported by the next Write, Flush or CompleteAsync
                    _linesLost = Lines(_writing, tailUsed);
                }
                _onFailure?.Invoke(e);
                return;
            }
            lock (_lock)
            {
                foreach (var chunk in _writing) _spare.Push(chunk); // all of them: see the remarks
            }
            _writing.Clear();
            if (last) return;
        }
    }

    /// <summary>
    /// Under the lock: returns when a flush or the end was asked for, or (write-behind) a delay has passed with
    /// something pending. A whole delay without a write puts the writer to sleep until the next write wakes it.
    /// </summary>
    private void WaitUntilSomethingIsDue()
    {
        while (!_flushRequested && !_completed)
        {
            if (_writeBehind is not { } delay || !_writerAwake)
            {
                Monitor.Wait(_lock);
                continue;
            }
            if (_pendingBytes >= WriteSoonBytes) return; // a pipe's worth came while the writer was busy: its pulse is gone
            Monitor.Wait(_lock, delay); // more collects meanwhile; a flush or the end cuts it short
            if (_flushRequested || _completed || _pendingBytes > 0) return;
            _writerAwake = false;
            while (_spare.Count > QuietSpareChunks) _spare.Pop(); // quiet: what a burst needed goes back to the GC
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null) throw new IOException($"writing the output failed: {_failure.Message}", _failure);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
