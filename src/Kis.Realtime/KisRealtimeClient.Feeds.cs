using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Protocol;
using Kis.Realtime.Session;

namespace Kis.Realtime;

// For relays (Kis.Realtime.Gateway): a raw subscription that answers "registered" before its first record, and the
// registrations per session. Kept apart from the client's main file.
public sealed partial class KisRealtimeClient
{
    /// <summary>
    /// Registers <paramref name="tr"/> <paramref name="key"/> and returns once KIS has accepted it, or throws its refusal.
    /// The feed delivers each record's plain bytes with <see cref="KisRealtimeOptions.SubscriptionCapacity"/> and
    /// <see cref="KisRealtimeOptions.FullMode"/>; like every subscription it is replayed after a reconnect.
    /// </summary>
    /// <param name="tr">The TR (mapped to the environment).</param>
    /// <param name="key">The <c>tr_key</c>.</param>
    /// <param name="cancellationToken">Abandons the registration while it is being made.</param>
    /// <exception cref="ArgumentException">The key is malformed or the TR is not offered on this environment.</exception>
    /// <exception cref="KisSubscriptionException">KIS refused the registration, or every session is full.</exception>
    [Experimental("KISRT0001")]
    public async Task<KisRecordFeed> OpenRecordFeedAsync(TrDefinition tr, string key, CancellationToken cancellationToken = default)
    {
        tr = Resolve(tr, key);
        KisRecordFeed? feed = null;
        var subscriber = new RecordLocalSubscriber(tr, key, Options.SubscriptionCapacity, Options.FullMode, _shared, new DeferredOwner(() => feed));
        var session = await AttachAsync(subscriber, cancellationToken).ConfigureAwait(false);
        feed = new KisRecordFeed(subscriber, session);
        return feed;
    }

    /// <summary>Registrations held or being made, per session (index = position in <see cref="KisRealtimeOptions.Credentials"/>).</summary>
    [Experimental("KISRT0001")]
    public IReadOnlyList<int> RegistrationsBySession => _sessions.Select(s => s.RegistrationCount).ToArray();

    /// <summary>The subscriber exists before its feed: drops counted meanwhile go to the feed once it exists.</summary>
    private sealed class DeferredOwner(Func<ISubscriptionOwner?> owner) : ISubscriptionOwner
    {
        public void OnDropped() => owner()?.OnDropped();
    }
}
