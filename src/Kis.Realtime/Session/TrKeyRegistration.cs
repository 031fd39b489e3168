using Kis.Realtime.Protocol;

namespace Kis.Realtime.Session;

/// <summary>
/// Where a registration (one TR key on the server) is in its life. Every change is a method of
/// <see cref="TrKeyRegistration"/> called by <see cref="TrKeyRegistrationTable"/> under its lock.
/// <code>
/// Pending ──TryBeginSubscribe──▶ Subscribing ──Accept──▶ Active ──BeginRelease──▶ Releasing ──▶ Released
///    ▲                               │                     │                          │
///    └──── connection lost / refused after an earlier acceptance ◀──────┘      connection lost ──▶ Released
/// Pending/Subscribing ──refused, never accepted──▶ Failed          Pending ──last consumer left──▶ Released
/// </code>
/// </summary>
internal enum TrKeyRegistrationState
{
    /// <summary>Wanted, not (yet) requested on the current connection: the next connection or retry sends it.</summary>
    Pending,
    /// <summary>A subscribe request is being sent or awaits its reply.</summary>
    Subscribing,
    /// <summary>The server accepted it on the current connection.</summary>
    Active,
    /// <summary>A release request is being sent or awaits its reply; it still counts against KIS's 41.</summary>
    Releasing,
    /// <summary>Gone from the server and from the table.</summary>
    Released,
    /// <summary>Refused (or never answered) for good; its consumers got the error.</summary>
    Failed,
}

/// <summary>
/// One TR key registered with KIS on one session (what counts against KIS's 41) and its local subscribers. Mutable state
/// is guarded by the owning table's lock. Not the gateway's registrations (see docs/library.md, Names).
/// </summary>
internal sealed class TrKeyRegistration(TrDefinition tr, string key)
{
    public readonly TrDefinition Tr = tr;
    public readonly string Key = key;

    /// <summary>Completes on the first acceptance; fails when the registration fails before ever being accepted.</summary>
    public readonly TaskCompletionSource Registered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Who takes the records now: <see cref="Subscribers"/> and <see cref="Draining"/> as one snapshot, replaced whole
    /// (never mutated) under the table's lock and read without it by the frame router. One field, so a consumer handed
    /// from one to the other is in exactly one of them whenever the router looks: two fields written one after the other
    /// lost the records routed between the writes, or delivered them twice (issue 72, finding 1).
    /// </summary>
    public volatile RecordReceivers Receivers = RecordReceivers.None;

    /// <summary>The consumers (written under the table's lock).</summary>
    public LocalSubscriber[] Subscribers
    {
        get => Receivers.Subscribers;
        set => Receivers = Receivers with { Subscribers = value };
    }

    /// <summary>
    /// The last subscriber of a registration being released that takes its records until KIS has answered the release
    /// (<see cref="KisSession.RemoveAsync(LocalSubscriber, bool)"/> with drain): what KIS sent before its answer is read,
    /// not dropped (a relay's planned stop lost 150–190 records at 2,000 records/s). Written under the table's lock.
    /// </summary>
    public LocalSubscriber[] Draining
    {
        get => Receivers.Draining;
        set => Receivers = Receivers with { Draining = value };
    }

    /// <summary>The last consumer leaves the subscribers for the drain in one write (under the table's lock).</summary>
    public void HandOverToDrain(LocalSubscriber last) => Receivers = new RecordReceivers([], [last]);

    public TrKeyRegistrationState State { get; private set; }

    /// <summary>The connection the current request or acceptance belongs to.</summary>
    public long Connection { get; private set; } = -1;

    /// <summary>True once the server accepted it on some connection: a later refusal is retried, not final.</summary>
    public bool EverAccepted { get; private set; }

    /// <summary>Subscribe requests in a row that got no reply.</summary>
    public int Timeouts { get; private set; }

    /// <summary>Refusals in a row (for the retry backoff).</summary>
    public int Refusals { get; private set; }

    public bool IsWanted => Subscribers.Length > 0;

    public bool IsTerminal => State is TrKeyRegistrationState.Released or TrKeyRegistrationState.Failed;

    /// <summary>Held or being made or released on the server: what counts against KIS's 41.</summary>
    public bool OccupiesServerSlot => State is TrKeyRegistrationState.Subscribing or TrKeyRegistrationState.Active or TrKeyRegistrationState.Releasing;

    public bool TryBeginSubscribe(long connection)
    {
        if (State != TrKeyRegistrationState.Pending || !IsWanted) return false;
        State = TrKeyRegistrationState.Subscribing;
        Connection = connection;
        return true;
    }

    public void Accept()
    {
        State = TrKeyRegistrationState.Active;
        EverAccepted = true;
        Timeouts = 0;
        Refusals = 0;
    }

    /// <summary>Back to waiting: the connection went away, or a retry will send it again.</summary>
    public void Requeue()
    {
        State = TrKeyRegistrationState.Pending;
        Connection = -1;
    }

    /// <summary>A subscribe request got no reply in time; returns how many in a row.</summary>
    public int TimedOut() => ++Timeouts;

    /// <summary>A subscribe request was refused after an earlier acceptance; returns how many refusals came before it.</summary>
    public int Refused() => Refusals++;

    public void BeginRelease() => State = TrKeyRegistrationState.Releasing;

    public void Release() => State = TrKeyRegistrationState.Released;

    public void Fail() => State = TrKeyRegistrationState.Failed;

    public override string ToString() => $"{Tr.Id} {Key} {State}";
}

/// <summary>A registration's consumers and its draining consumer, as the frame router sees them at one instant.</summary>
internal sealed record RecordReceivers(LocalSubscriber[] Subscribers, LocalSubscriber[] Draining)
{
    public static readonly RecordReceivers None = new([], []);
}
