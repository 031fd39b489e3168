using Kis.Realtime.Protocol;
using Kis.Realtime.Session;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// One KIS registration of a <see cref="RegistrationManager"/>: the consumers' leases on it, its state, its feed and
/// pump. Read and written under the manager's lock, except <see cref="Sequence"/> (its pump's) and the tasks.
/// </summary>
internal sealed class Registration(TrDefinition tr, string key, long number)
{
    public readonly long Number = number; // in order of creation: the newest registration of a user yields first
    public readonly TrDefinition Tr = tr;
    public readonly string Key = key;
    public readonly Dictionary<GatewayIdentity, DateTimeOffset> Leases = new();
    public GatewayRegistrationState State = GatewayRegistrationState.Opening;
    public DateTimeOffset LingerUntil;
    public string? LingeringFor; // the broker user whose release (or lapsed lease) left it lingering: counted against it
    public Task<string>? Opened; // the stream name, or KIS's refusal
    public KisRecordFeed? Feed;
    public Task? Pump;
    public long Sequence; // written by the pump only (and by OpenAsync before the pump starts)
    public Registration? Previous; // this key's registration released before this one
    public bool FirstInRun; // no earlier registration of the key in this run: announced when a run came before
    public RecordRoute? Route; // set with the feed
    public Task Closed = Task.CompletedTask; // once released: feed disposed, pump ended, Sequence final

    /// <summary>Whether it counts against <paramref name="user"/>'s share: claimed by it, or lingering because it left.</summary>
    public bool CountsFor(string user)
    {
        if (LingeringFor == user) return true;
        foreach (var holder in Leases.Keys)
            if (holder.User == user) return true;
        return false;
    }

    /// <summary>The broker user it is being opened for (null: the gateway's own, or a restore).</summary>
    public string? Requester
    {
        get
        {
            foreach (var holder in Leases.Keys)
                if (holder.User is { } user) return user;
            return null;
        }
    }

    /// <summary>Lingering from now until <paramref name="until"/>, counted against <paramref name="releasedBy"/>.</summary>
    public GatewayRegistrationState StartLinger(string? releasedBy, DateTimeOffset until)
    {
        LingeringFor = releasedBy;
        LingerUntil = until;
        return GatewayRegistrationState.Lingering;
    }
}
