namespace Kis.Realtime.Simulator.Replay;

/// <summary>
/// The stepped replay's gate (<see cref="SimulatorOptions.ReplayStep"/>, <c>kisrt sim --replay FILE --step</c>): the
/// replay serves a data frame only once a client granted it (<c>POST /sim/step</c>), so the market moves on when the
/// client says so, never with the wall clock: a strategy in any language, however slow its answers under load, meets
/// the market a backtest shows it. One lock; the waits are tasks completed outside it.
/// </summary>
internal sealed class ReplayStepGate
{
    private readonly Lock _lock = new();
    private long _granted, _taken, _served; // _taken: frames the replay has begun to serve (its turn taken)
    private bool _done;
    private DateTime? _lastFrameAt;
    private readonly List<Step> _steps = []; // the steps waiting, each with the grant it waits for
    private TaskCompletionSource _moved = NewSignal(); // completed when a grant comes, a frame is served or the file ends

    /// <summary>Frames served so far.</summary>
    public long Served
    {
        get
        {
            lock (_lock) return _served;
        }
    }

    /// <summary>Frames granted so far (by steps that answered or still wait).</summary>
    public long Granted
    {
        get
        {
            lock (_lock) return _granted;
        }
    }

    /// <summary>The market time (KST) after the frame served last; null before the first.</summary>
    public DateTime? LastFrameAt
    {
        get
        {
            lock (_lock) return _lastFrameAt;
        }
    }

    /// <summary>Whether the replay is over (the file's end, or the simulator stopping).</summary>
    public bool Done
    {
        get
        {
            lock (_lock) return _done;
        }
    }

    /// <summary>The replay, before a data frame: waits until a client has granted it.</summary>
    public async ValueTask WaitTurnAsync(CancellationToken ct)
    {
        while (true)
        {
            Task moved;
            lock (_lock)
            {
                if (_taken < _granted)
                {
                    _taken++; // this frame is going out: no step can give it back now
                    return;
                }
                moved = _moved.Task;
            }
            await moved.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>The replay served a granted frame (sent it to the sessions); the market time it moved the clock to.</summary>
    public void OnServed(DateTime marketTime)
    {
        lock (_lock)
        {
            _served++;
            _lastFrameAt = marketTime;
        }
        Signal();
    }

    /// <summary>The replay is over (the file's end, or the simulator stopping): no step waits for more.</summary>
    public void OnDone()
    {
        lock (_lock) _done = true;
        Signal();
    }

    /// <summary>
    /// Grants <paramref name="frames"/> more frames and waits until the replay has served them or the file ended; the
    /// frames served by then and whether the file ended.
    /// </summary>
    public async Task<(long Served, bool Done)> StepAsync(long frames, CancellationToken ct)
    {
        Step step;
        lock (_lock)
        {
            if (!_done) _granted += frames;
            step = new Step(frames, _granted);
            _steps.Add(step);
        }
        Signal();
        try
        {
            while (true)
            {
                Task moved;
                lock (_lock)
                {
                    if (_served >= step.Target || _done) return (_served, _done);
                    moved = _moved.Task;
                }
                await moved.WaitAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            GiveBack(step);
            throw;
        }
        finally
        {
            lock (_lock) _steps.Remove(step);
        }
    }

    /// <summary>
    /// A step whose caller went away (its request aborted) gives back the frames of its grant the replay has not begun
    /// to serve: else the replay ran them unstepped and the next caller's <c>frames</c> counted them. The steps granted
    /// after it wait for as many fewer.
    /// </summary>
    private void GiveBack(Step step)
    {
        lock (_lock)
        {
            var unserved = Math.Min(step.Frames, step.Target - _taken); // its grant is (Target - Frames, Target]
            if (unserved <= 0) return;
            _granted -= unserved;
            foreach (var later in _steps)
                if (later.Target > step.Target) later.Target -= unserved;
        }
    }

    /// <summary>A waiting step: the frames it granted and the grant (frames served in all) it waits for.</summary>
    private sealed class Step(long frames, long target)
    {
        public long Frames { get; } = frames;

        public long Target { get; set; } = target;
    }

    private void Signal() => Interlocked.Exchange(ref _moved, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
