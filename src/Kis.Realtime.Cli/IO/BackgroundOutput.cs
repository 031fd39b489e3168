using System.Buffers;

namespace Kis.Realtime.Cli.IO;

/// <summary>
/// A write-only stream in front of standard output whose system calls happen on a background thread: the thread that
/// produces the output (with inline delivery, a session's receive loop) never blocks on a slow reader of the pipe.
/// Writes collect in memory; <see cref="Flush"/> asks the background thread to write everything collected so far in one
/// call. <see cref="IsFull"/> tells the producer to drop (and count) instead of growing past the bound.
/// </summary>
/// <remarks>
/// The writer is a dedicated thread parked in <see cref="Monitor.Wait(object)"/>, not a thread-pool task: a flush then
/// wakes exactly one thread. Releasing a task's semaphore queued a work item, which woke a pool worker, which woke a
/// second one to look for more work — three context switches a flush, a measurable part of the CPU of a quiet stream.
/// </remarks>
internal sealed class BackgroundOutput : Stream
{
    private readonly Stream _target;
    private readonly long _capacity;
    private readonly object _lock = new(); // a Monitor: the writer thread waits on it for a signal
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ArrayBufferWriter<byte> _pending = new(64 * 1024); // under _lock
    private ArrayBufferWriter<byte> _writing = new(64 * 1024); // the writer task's own
    private bool _signalled, _completed; // under _lock
    private Exception? _failure; // under _lock

    public BackgroundOutput(Stream target, long capacityBytes)
    {
        _target = target;
        _capacity = capacityBytes;
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
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Asks for what was written so far to be written out; returns at once.</summary>
    public override void Flush()
    {
        lock (_lock)
        {
            ThrowIfFailed();
            if (_signalled || _pending.WrittenCount == 0) return;
            _signalled = true; // one signal outstanding at most
            Monitor.Pulse(_lock);
        }
    }

    /// <summary>Writes out what is left and ends the background task; throws what writing failed with, if it did.</summary>
    public async Task CompleteAsync()
    {
        lock (_lock)
        {
            _completed = true;
            _signalled = true;
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
                while (!_signalled) Monitor.Wait(_lock);
                (_pending, _writing) = (_writing, _pending);
                _signalled = false;
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
