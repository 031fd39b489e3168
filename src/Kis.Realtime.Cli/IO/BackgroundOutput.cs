using System.Buffers;

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
/// timeout, once a delay: the producer (the receive loop) neither signals it nor runs a flush timer.
/// </remarks>
internal sealed class BackgroundOutput : Stream
{
    private readonly Stream _target;
    private readonly long _capacity;
    private readonly TimeSpan? _writeBehind;
    private readonly object _lock = new(); // a Monitor: the writer thread waits on it
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ArrayBufferWriter<byte> _pending = new(64 * 1024); // under _lock
    private ArrayBufferWriter<byte> _writing = new(64 * 1024); // the writer thread's own
    private bool _flushRequested, _completed; // under _lock
    private bool _writerAwake; // under _lock; write-behind only: the writer is in its delay, a write need not wake it
    private Exception? _failure; // under _lock

    /// <param name="target">Where the bytes go (standard output).</param>
    /// <param name="capacityBytes">How much may wait to be written before <see cref="IsFull"/>.</param>
    /// <param name="writeBehind">
    /// Null: bytes go out only when <see cref="Flush"/> asks. Otherwise at most this long after they were written.
    /// </param>
    public BackgroundOutput(Stream target, long capacityBytes, TimeSpan? writeBehind = null)
    {
        _target = target;
        _capacity = capacityBytes;
        _writeBehind = writeBehind;
        new Thread(WriteLoop) { IsBackground = true, Name = "kisrt-output" }.UnsafeStart();
    }

    /// <summary>True while more than the bound waits to be written (the reader of the pipe is behind).</summary>
    public bool IsFull
    {
        get
        {
            lock (_lock) return _pending.WrittenCount >= _capacity;
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_lock)
        {
            ThrowIfFailed();
            _pending.Write(buffer);
            if (_writeBehind is null || _writerAwake) return;
            _writerAwake = true; // the first write after a quiet spell starts the delay
            Monitor.Pulse(_lock);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Asks for what was written so far to be written out now; returns at once.</summary>
    public override void Flush()
    {
        lock (_lock)
        {
            ThrowIfFailed();
            if (_flushRequested || _pending.WrittenCount == 0) return;
            _flushRequested = true; // one request outstanding at most
            Monitor.Pulse(_lock);
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
            lock (_lock)
            {
                WaitUntilSomethingIsDue();
                (_pending, _writing) = (_writing, _pending);
                _flushRequested = false;
                last = _completed;
            }
            try
            {
                if (_writing.WrittenCount > 0)
                {
                    _target.Write(_writing.WrittenSpan);
                    _target.Flush();
                }
            }
            catch (Exception e)
            {
                lock (_lock) _failure = e; // reported by the next Write, Flush or CompleteAsync
                return;
            }
            _writing.ResetWrittenCount();
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
            Monitor.Wait(_lock, delay); // more collects meanwhile; a flush or the end cuts it short
            if (_flushRequested || _completed || _pending.WrittenCount > 0) return;
            _writerAwake = false;
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
