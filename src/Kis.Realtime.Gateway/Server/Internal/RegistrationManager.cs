using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Session;
using Kis.Realtime.Protocol;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>The life of one gateway registration.</summary>
internal enum GatewayRegistrationState
{
    /// <summary>Asked of KIS, not yet answered.</summary>
    Opening,
    /// <summary>Registered, wanted by at least one consumer; records flow to the broker.</summary>
    Active,
    /// <summary>Registered, wanted by nobody: released when the linger ends unless a consumer comes back.</summary>
    Lingering,
    /// <summary>Released (or refused): gone from the table.</summary>
    Closed,
}

/// <summary>
/// Reference-counts consumers' claims on KIS registrations. A claim is a lease the consumer renews; the first claim
/// on a key opens a <see cref="KisRecordFeed"/> (KIS's refusal goes back to the consumer), whose records a pump hands
/// to the publisher with a sequence number per key. When the last claim ends (released or expired) the registration
/// lingers, then is released. One lock guards the table; feeds open and close outside it.
/// <para>
/// Fairness between broker users: a user may hold at most <see cref="KisGatewayOptions.MaxRegistrationShare"/> of the
/// registrations the app keys allow, counting every registration it claims and every one lingering because it released
/// it (a user churning over keys cannot park them all); and when every registration is taken, a new key displaces the
/// registration that has lingered longest, wanted by nobody.
/// </para>
/// </summary>
internal sealed partial class RegistrationManager : IAsyncDisposable
{
    private readonly KisRealtimeClient _client;
    private readonly RecordPublisher _publisher;
    private readonly Func<string, CancellationToken, Task<string>> _declareStream;
    private readonly KisGatewayOptions _options;
    private readonly string _run;
    private readonly long _startedAtMicros;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly RegistrationTable _table = new(); // under _gate
    private readonly ITimer _sweeper;
    // Cancelled by DisposeAsync: a registration KIS has not confirmed yet (the app key held by another session, the
    // server unreachable) may wait for a long time, and a stopping gateway must not wait for it.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly CancellationTokenSource _stopping = new();
    private readonly PreviousRun? _previous;
    private volatile bool _disposed;
    private long _evicted, _yielded;

    public RegistrationManager(KisRealtimeClient client, RecordPublisher publisher, Func<string, CancellationToken, Task<string>> declareStream,
        KisGatewayOptions options, string run, ILogger logger, PreviousRun? previous = null)
    {
        _previous = previous;
        _client = client;
        _publisher = publisher;
        _declareStream = declareStream;
        _options = options;
        _run = run;
        _startedAtMicros = previous?.AnnouncedAtMicros ?? GatewayWire.ToUnixMicroseconds(options.TimeProvider.GetUtcNow()); // the run's start
        _logger = logger;
        var period = options.Lease / 3 < options.Linger / 2 || options.Linger == TimeSpan.Zero ? options.Lease / 3 : options.Linger / 2;
        if (period < TimeSpan.FromMilliseconds(20)) period = TimeSpan.FromMilliseconds(20);
        _sweeper = options.TimeProvider.CreateTimer(_ => Sweep(), null, period, period);
    }

    /// <summary>Claims <paramref name="tr"/> <paramref name="key"/> for <paramref name="consumer"/>; returns the stream the records go to.</summary>
    /// <exception cref="KisSubscriptionException">KIS refused it, or every session is full.</exception>
    /// <exception cref="GatewayRefusalException">The consumer's user holds <see cref="KisGatewayOptions.MaxClaimsPerUser"/> claims already.</exception>
    /// <exception cref="ArgumentException">The TR or key is not valid.</exception>
    public async Task<string> SubscribeAsync(GatewayIdentity consumer, TrDefinition tr, string key, CancellationToken cancellationToken)
    {
        Task<string> opened;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _table.TryGet(tr.Id, key, out var existing);
            if (consumer.User is { } user && existing?.Leases.ContainsKey(consumer) != true)
            {
                if (_table.ClaimsOf(user) >= _options.MaxClaimsPerUser)
                    throw new GatewayRefusalException("quota",
                        $"Your broker user holds {_options.MaxClaimsPerUser} claims, its quota (KisGatewayOptions.MaxClaimsPerUser): release one first.");
                if ((existing is null || !existing.CountsFor(user)) && _table.RegistrationsOf(user) >= _options.MaxRegistrationsPerUser)
                    throw new GatewayRefusalException("quota",
                        $"Your broker user holds or left lingering {_options.MaxRegistrationsPerUser} registrations, its share of the app keys' " +
                        "registrations (KisGatewayOptions.MaxRegistrationShare): release one and wait for its linger to end, or reuse one.");
            }
            if (existing is not { } entry)
            {
                entry = _table.Add(tr, key);
                entry.Opened = OpenAsync(entry);
            }
            entry.Leases[consumer] = consumer == GatewayIdentity.Gateway ? DateTimeOffset.MaxValue : _options.TimeProvider.GetUtcNow() + _options.Lease;
            if (entry.State == GatewayRegistrationState.Lingering) entry.State = GatewayRegistrationState.Active;
            entry.LingeringFor = null;
            opened = entry.Opened!;
        }
        try
        {
            return await opened.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Unsubscribe(consumer, tr.Id, key);
            throw;
        }
    }

    /// <summary>Under the gate: ends a registration nobody wants; a new registration of the key awaits its close.</summary>
    private void Release(Registration entry)
    {
        _table.Release(entry);
        // Started off this lock (disposing a feed talks to the client).
        entry.Closed = Task.Run(() => CloseAsync(entry));
    }

    private async Task<string> OpenAsync(Registration entry)
    {
        await Task.Yield(); // out of the caller's lock
        try
        {
            if (entry.Previous is { } previous)
            {
                // The key's sequence goes on from its last registration: wait until that one's pump has numbered its last
                // record (CloseAsync never throws), so the two never number records at the same time.
                await previous.Closed.ConfigureAwait(false);
                entry.Sequence = previous.Sequence;
                entry.Previous = null;
            }
            var askedAt = GatewayWire.ToUnixMicroseconds(_options.TimeProvider.GetUtcNow()); // before any record of the new registration
            var feed = await OpenFeedAsync(entry).ConfigureAwait(false);
            string stream;
            try
            {
                // The stream (and its binding) exists before the first record is published: an unbound record would be lost.
                stream = await _declareStream(feed.Tr.Id, CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                // No pump will read the feed: release the KIS registration (it counts against the 41, and its full buffer
                // would hold up the session in Wait mode).
                await feed.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            var route = new RecordRoute(feed.Tr.Id, entry.Key, feed.SessionIndex, _run);
            // Registered again in this run: its seqs go on, and what KIS sent while the key was released never came. Said ahead of
            // its first record (the pump starts below), outside the lock (it logs).
            if (!entry.FirstInRun) AnnounceFeedGap(entry, route, askedAt, registeredAgain: true);
            lock (_gate)
            {
                entry.Feed = feed;
                entry.State = entry.Leases.Count > 0 ? GatewayRegistrationState.Active : StartLinger(entry, entry.LingeringFor);
                entry.Route = route;
                // Ahead of the key's first record of this run: consumers learn the run changed and what the last one confirmed.
                if (entry.FirstInRun && _previous is not null) _publisher.TryAnnounce(route, _previous.AnnouncedAtMicros,
                    _previous.AnnouncementOf(route.TrId, route.Key));
                entry.Pump = PumpAsync(entry, feed, route);
            }
            Log.Registered(_logger, feed.Tr.Id, entry.Key, feed.SessionIndex, stream);
            return stream;
        }
        catch (Exception e)
        {
            lock (_gate) _table.RemoveFailed(entry);
            if (!_stopping.IsCancellationRequested) Log.OpenFailed(_logger, entry.Tr.Id, entry.Key, e.Message); // not a failure: stopping
            throw;
        }
    }

    /// <summary>Ends a consumer's own claim (no other's); the registration lingers when it was the last. False when it held none.</summary>
    public bool Unsubscribe(GatewayIdentity consumer, string trId, string key)
    {
        lock (_gate)
        {
            if (!_table.TryGet(trId, key, out var entry) || !entry.Leases.Remove(consumer)) return false;
            if (entry.Leases.Count == 0)
            {
                if (entry.State == GatewayRegistrationState.Active) entry.State = StartLinger(entry, consumer.User);
                else entry.LingeringFor = consumer.User; // still opening: it will linger for this user once open
            }
            return true;
        }
    }

    /// <summary>Extends every claim of a consumer; returns them (<c>TR.key</c>), so it can tell which of its claims lapsed.</summary>
    public List<string> Renew(GatewayIdentity consumer)
    {
        var until = _options.TimeProvider.GetUtcNow() + _options.Lease;
        var held = new List<string>();
        lock (_gate)
        {
            if (consumer == GatewayIdentity.Gateway) return held; // never expires; nothing to renew
            foreach (var entry in _table.Live)
            {
                if (!entry.Leases.ContainsKey(consumer)) continue;
                entry.Leases[consumer] = until;
                held.Add(GatewayWire.RoutingKey(entry.Tr.Id, entry.Key));
            }
        }
        return held;
    }

    /// <summary>
    /// Ends every claim of a deleted broker user's consumers. A registration nobody else claims, or one lingering for that
    /// user, is released at once: the user cannot come back to it. Returns the claims ended and the registrations released.
    /// </summary>
    public (int Claims, int Released) DropUser(string user)
    {
        var claims = 0;
        lock (_gate)
        {
            if (_disposed) return (0, 0);
            List<Registration>? release = null;
            foreach (var entry in _table.Live)
            {
                foreach (var holder in entry.Leases.Keys.Where(h => h.User == user).ToList())
                {
                    entry.Leases.Remove(holder);
                    claims++;
                }
                if (entry.Leases.Count > 0) continue;
                if (entry.State == GatewayRegistrationState.Active || (entry.State == GatewayRegistrationState.Lingering && entry.LingeringFor == user))
                    (release ??= new()).Add(entry);
                else if (entry.State == GatewayRegistrationState.Opening && entry.LingeringFor is null) entry.LingeringFor = user;
            }
            foreach (var entry in release ?? []) Release(entry);
            return (claims, release?.Count ?? 0);
        }
    }

    private GatewayRegistrationState StartLinger(Registration entry, string? releasedBy)
        => entry.StartLinger(releasedBy, _options.TimeProvider.GetUtcNow() + _options.Linger);

    /// <summary>Expires leases and releases registrations whose linger has ended.</summary>
    internal void Sweep()
    {
        var now = _options.TimeProvider.GetUtcNow();
        List<Registration>? release = null;
        lock (_gate)
        {
            if (_disposed) return;
            foreach (var entry in _table.Live)
            {
                string? lapsedUser = null;
                foreach (var (consumer, until) in entry.Leases.ToList())
                {
                    if (until > now) continue;
                    entry.Leases.Remove(consumer);
                    lapsedUser = consumer.User;
                    Log.LeaseExpired(_logger, consumer.ToString(), entry.Tr.Id, entry.Key);
                }
                if (entry.Leases.Count == 0 && entry.State == GatewayRegistrationState.Active) entry.State = StartLinger(entry, lapsedUser);
                if (entry.State == GatewayRegistrationState.Lingering && entry.LingerUntil <= now) (release ??= new()).Add(entry);
            }
            if (release is null) return;
            foreach (var entry in release) Release(entry);
        }
    }

    private async Task CloseAsync(Registration entry)
    {
        try
        {
            if (entry.Feed is not null) await entry.Feed.DisposeAsync().ConfigureAwait(false);
            if (entry.Pump is not null) await entry.Pump.ConfigureAwait(false);
            Log.Released(_logger, entry.Tr.Id, entry.Key, Interlocked.Read(ref entry.Sequence));
        }
        catch (Exception e)
        {
            Log.FeedEnded(_logger, entry.Tr.Id, entry.Key, e.Message);
        }
    }

    /// <summary>The registrations and the distinct consumers claiming them; with <paramref name="user"/>, only those counted
    /// against that broker user (its claims, and what lingers because it released it) and its own consumers.</summary>
    public IReadOnlyList<GatewayRegistrationStatus> Snapshot(out int consumers, string? user = null)
    {
        lock (_gate)
        {
            var entries = (user is null ? _table.Live : _table.Live.Where(e => e.CountsFor(user))).ToList();
            consumers = entries.SelectMany(e => e.Leases.Keys).Where(c => user is null || c.User == user).Distinct().Count();
            return entries
                .Select(e => new GatewayRegistrationStatus(e.Feed?.Tr.Id ?? e.Tr.Id, e.Key, e.State.ToString().ToLowerInvariant(), e.Leases.Count,
                    e.Feed?.SessionIndex ?? -1, Interlocked.Read(ref e.Sequence)))
                .OrderBy(r => r.Tr, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Registration> all;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            all = _table.TakeAll(); // their last confirmed records stay in the checkpoint
        }
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        // Side by side: each release is a KIS request paced on its session (KisRealtimeOptions.SubscribePacing), so one after
        // another a whole market's 5,400 took 540 s and the host killed the stop at 30 s (issue 72: exit 143, no summary, no
        // final checkpoint). Together each session paces only its own: 41 releases, about 4 s.
        await Task.WhenAll(all.Select(async entry =>
        {
            if (entry.Opened is not null) await entry.Opened.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await CloseAsync(entry).ConfigureAwait(false);
        })).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Information, "Registered {TrId} {TrKey} on session {Session}; records go to stream {Stream}")]
        public static partial void Registered(ILogger logger, string trId, string trKey, int session, string stream);

        [LoggerMessage(11, LogLevel.Warning, "Could not register {TrId} {TrKey}: {Reason}")]
        public static partial void OpenFailed(ILogger logger, string trId, string trKey, string reason);

        [LoggerMessage(12, LogLevel.Information, "Released {TrId} {TrKey} after its linger (last seq {Sequence})")]
        public static partial void Released(ILogger logger, string trId, string trKey, long sequence);

        [LoggerMessage(13, LogLevel.Warning, "Feed {TrId} {TrKey} ended: {Reason}")]
        public static partial void FeedEnded(ILogger logger, string trId, string trKey, string reason);

        [LoggerMessage(15, LogLevel.Warning, "Could not restore the previous run's claim on {TrId} {TrKey}: {Reason}")]
        public static partial void RestoreFailed(ILogger logger, string trId, string trKey, string reason);

        [LoggerMessage(16, LogLevel.Information,
            "Released {TrId} {TrKey}, lingering longest, to make room for {NewTrId} {NewTrKey}: every registration of the app keys was taken")]
        public static partial void Evicted(ILogger logger, string trId, string trKey, string newTrId, string newTrKey);

        [LoggerMessage(17, LogLevel.Warning, "Released {TrId} {TrKey} of user {From} ({FromHeld} registrations) for user {To} ({ToHeld}) asking {NewTrId} " +
            "{NewTrKey}: every registration was taken and that user held more than its fair share; its consumers' claims on it end")]
        public static partial void Yielded(ILogger logger, string trId, string trKey, string from, int fromHeld, string to, int toHeld, string newTrId,
            string newTrKey);

        [LoggerMessage(14, LogLevel.Information, "Consumer {Consumer} did not renew its claim on {TrId} {TrKey}: expired")]
        public static partial void LeaseExpired(ILogger logger, string consumer, string trId, string trKey);
    }
}
