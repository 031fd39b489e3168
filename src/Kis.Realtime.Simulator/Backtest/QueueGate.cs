using System.Diagnostics.CodeAnalysis;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// The lock of a backtest queue (the pump's work, a feed's records): held for a few instructions, never around a
/// callback or a wait, and contended only when a strategy left the pump. A <see cref="SpinLock"/> without owner
/// tracking, because these queues are locked several times a record: uncontended it is one compare-and-swap and a
/// store, where <see cref="Lock"/> also reads and checks the thread's id on entry and exit (about half the cost,
/// measured on this code's host). Use it as <c>using (_gate.Enter()) { … }</c> on a field that is not read-only.
/// </summary>
internal struct QueueGate
{
    private SpinLock _lock;

    public QueueGate() => _lock = new SpinLock(enableThreadOwnerTracking: false);

    /// <summary>Takes the lock until the returned scope is disposed.</summary>
    [UnscopedRef]
    public Scope Enter()
    {
        var taken = false;
        _lock.Enter(ref taken);
        return new Scope(ref _lock);
    }

    /// <summary>The lock held; disposing releases it.</summary>
    public ref struct Scope
    {
        private ref SpinLock _lock;

        internal Scope(ref SpinLock held) => _lock = ref held;

        public void Dispose() => _lock.Exit(useMemoryBarrier: false);
    }
}
