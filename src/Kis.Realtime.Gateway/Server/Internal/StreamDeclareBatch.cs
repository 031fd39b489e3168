using System.Collections.Concurrent;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A fleet process's stream declarations in turn (<see cref="StreamDeclareTurns"/>), batched: one turn declares every stream
/// the process needs (its plan's TRs, and what a shard asks for beside them), and the process's other shards wait for that
/// turn rather than queueing for turns of their own. One turn per declaration put a whole market's shards (44 a process,
/// each with its TRs) in the fleet-wide queue at once, and the queue outgrew the turn's patience ("No turn to declare
/// streams … within 30 s", 65 times a run). Owned by <see cref="FleetTakeovers"/>; the turn is one at a time per process.
/// </summary>
internal sealed class StreamDeclareBatch(ConcurrentDictionary<string, bool> declared)
{
    private readonly Lock _gate = new(); // guards _turn
    private Task? _turn; // the turn under way in this process, or the last one
    private long _turns;

    /// <summary>Turns this process has taken (tests: one for a start however many shards it holds).</summary>
    public long Turns => Interlocked.Read(ref _turns);

    /// <summary>
    /// Returns once <paramref name="stream"/> has been declared in a turn of this process: at once when it has been, else
    /// after the turn under way when that one declares it, else in a turn of this caller's that declares it together with
    /// <paramref name="needed"/>. A turn that failed for another caller is taken again by this one.
    /// </summary>
    /// <param name="stream">The stream the caller needs now.</param>
    /// <param name="needed">Every stream the process needs (declared in the same turn).</param>
    /// <param name="declareInTurn">Takes the turn and declares the streams given, on the caller's connection.</param>
    /// <param name="cancellationToken">The caller's.</param>
    public async Task DeclareAsync(string stream, IEnumerable<string> needed, Func<IReadOnlyCollection<string>, Task> declareInTurn,
        CancellationToken cancellationToken)
    {
        while (!declared.ContainsKey(stream))
        {
            Task turn;
            TaskCompletionSource? mine = null;
            lock (_gate)
            {
                if (declared.ContainsKey(stream)) return;
                if (_turn is { IsCompleted: false } running) turn = running;
                else turn = (mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                if (mine is not null) _turn = turn;
            }
            if (mine is null)
            {
                try
                {
                    await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // another shard's turn failed (its connection, its term ended): this one takes the next
                }
                continue;
            }
            var streams = needed.Append(stream).Where(s => !declared.ContainsKey(s)).ToHashSet(StringComparer.Ordinal);
            try
            {
                Interlocked.Increment(ref _turns);
                await declareInTurn(streams).ConfigureAwait(false);
                foreach (var s in streams) declared.TryAdd(s, true);
                mine.TrySetResult();
            }
            catch (Exception e)
            {
                mine.TrySetException(e);
                _ = mine.Task.Exception; // observed: the shards waiting on it take a turn of their own
                throw;
            }
        }
    }
}
