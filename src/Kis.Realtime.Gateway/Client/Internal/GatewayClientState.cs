using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The client's <see cref="KisConnectionState"/> and the ordered queue of its <c>StateChanged</c> events: each change
/// is queued under this lock and raised from the queue's own task (never a handler under the lock).
/// </summary>
internal sealed class GatewayClientState(ILogger logger, Action<KisStateChangedEventArgs> raise)
{
    private readonly Lock _gate = new(); // guards _state and _sealed
    private readonly Kis.Realtime.Session.SessionEvents _events = new(logger, raise, _ => { });
    private KisConnectionState _state = KisConnectionState.Closed;
    private bool _sealed; // disposal began: once Closed, the state stays Closed

    public KisConnectionState Current
    {
        get
        {
            lock (_gate) return _state;
        }
    }

    /// <summary>Moves the state (when <paramref name="onlyFrom"/> allows the current one); the event is queued in order.</summary>
    public void MoveTo(KisConnectionState next, string? reason, Func<KisConnectionState, bool>? onlyFrom = null)
    {
        lock (_gate)
        {
            var previous = _state;
            if (previous == next || (onlyFrom is not null && !onlyFrom(previous))) return;
            if (previous == KisConnectionState.Closed && _sealed) return; // closed for good
            _state = next;
            _events.Publish(new KisStateChangedEventArgs(0, "gateway", previous, next, reason, null, null));
        }
    }

    /// <summary>Disposal began: a move out of Closed is refused from now on.</summary>
    public void Seal()
    {
        lock (_gate) _sealed = true;
    }

    /// <summary>Waits (bounded) for the queued events to be raised, then ends the queue.</summary>
    public Task CompleteAsync(TimeSpan timeout, TimeProvider time) => _events.CompleteAsync(timeout, time);
}
