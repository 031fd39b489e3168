using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Where a forward tail read ends, for each takeover waiting for it: at the first record received after the takeover's
/// fence (and the clock margin), or when the stream is quiet. A fleet process's takeovers that fence while a read runs
/// join it (<see cref="TryJoin"/>) instead of reading the stream themselves: a dead process's 44 shards each reading both
/// streams at the open's burst (47 reads) held the re-hold at 110 s, every read at its bound with 0 messages. Each one
/// waiting gets the window as it stood when the read passed its own end; the read goes on to the last one's.
/// </summary>
internal sealed class TailReadEnd
{
    private readonly Lock _gate = new(); // guards the two below
    private readonly List<(long Until, TaskCompletionSource<TailWindow?> Done)> _waiting = [];
    private bool _ended;

    /// <summary>A read for a takeover whose fence (with the margin) is <paramref name="untilMicros"/>.</summary>
    public TailReadEnd(long untilMicros) => First = TryJoin(untilMicros)!;

    /// <summary>The window of the takeover the read began for.</summary>
    public Task<TailWindow?> First { get; }

    /// <summary>The latest end anyone waited for (Unix microseconds); for the read's log line.</summary>
    public long Until
    {
        get { lock (_gate) return _latest; }
    }
    private long _latest; // guarded by _gate

    /// <summary>The window up to <paramref name="untilMicros"/>, once the read passes it; null when the read has ended (the caller
    /// reads anew).</summary>
    public Task<TailWindow?>? TryJoin(long untilMicros)
    {
        lock (_gate)
        {
            if (_ended) return null;
            var done = new TaskCompletionSource<TailWindow?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((untilMicros, done));
            _latest = Math.Max(_latest, untilMicros);
            return done.Task;
        }
    }

    /// <summary>A record received at <paramref name="receivedAtMicros"/>, before it is noted: whoever waits for an earlier end gets
    /// the window so far (a copy). True when nobody waits any longer: the read ends.</summary>
    public bool Passed(long receivedAtMicros, Dictionary<string, StreamTailRecord> last, long? first, int messages)
    {
        List<TaskCompletionSource<TailWindow?>> done = [];
        lock (_gate)
        {
            for (var i = _waiting.Count - 1; i >= 0; i--)
            {
                if (_waiting[i].Until >= receivedAtMicros) continue;
                done.Add(_waiting[i].Done);
                _waiting.RemoveAt(i);
            }
            if (_waiting.Count == 0) _ended = true;
        }
        if (done.Count > 0)
        {
            var window = new TailWindow(new Dictionary<string, StreamTailRecord>(last, StringComparer.Ordinal), first, messages);
            foreach (var d in done) d.TrySetResult(window);
        }
        lock (_gate) return _ended;
    }

    /// <summary>The read ended otherwise: everyone still waiting gets <paramref name="window"/> (quiet: all there is) or null
    /// (bounded, failed: unknown).</summary>
    public void Finish(TailWindow? window)
    {
        List<(long, TaskCompletionSource<TailWindow?> Done)> waiting;
        lock (_gate)
        {
            _ended = true;
            waiting = [.. _waiting];
            _waiting.Clear();
        }
        foreach (var w in waiting) w.Done.TrySetResult(window);
    }
}
