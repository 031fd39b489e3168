using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway;

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
/// </summary>
internal sealed partial class RegistrationManager : IAsyncDisposable
{
    private readonly KisRealtimeClient _client;
    private readonly RecordPublisher _publisher;
    private readonly Func<string, CancellationToken, Task<string>> _declareStream;
    private readonly KisGatewayOptions _options;
    private readonly string _run;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tr, string Key), Entry> _entries = new();
    // The last released registration of each key in this run: a key registered again continues its sequence, so
    // (run, key, seq) names one record for consumers that drop repeats (one small entry per key ever registered).
    private readonly Dictionary<(string Tr, string Key), Entry> _released = new();
    private readonly ITimer _sweeper;
    // Cancelled by DisposeAsync: a registration KIS has not confirmed yet (the app key held by another session, the
    // server unreachable) may wait for a long time, and a stopping gateway must not wait for it.
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _disposed;

    /// <summary>The claim of the gateway itself (<see cref="KisGateway.HoldAsync"/>): it never expires.</summary>
    public const string Permanent = "(gateway)";

    public RegistrationManager(KisRealtimeClient client, RecordPublisher publisher, Func<string, CancellationToken, Task<string>> declareStream,
        KisGatewayOptions options, string run, ILogger logger)
    {
        _client = client;
        _publisher = publisher;
        _declareStream = declareStream;
        _options = options;
        _run = run;
        _logger = logger;
        var period = options.Lease / 3 < options.Linger / 2 || options.Linger == TimeSpan.Zero ? options.Lease / 3 : options.Linger / 2;
        if (period < TimeSpan.FromMilliseconds(20)) period = TimeSpan.FromMilliseconds(20);
        _sweeper = options.TimeProvider.CreateTimer(_ => Sweep(), null, period, period);
    }

    private sealed class Entry(TrDefinition tr, string key)
    {
        public readonly TrDefinition Tr = tr;
        public readonly string Key = key;
        public readonly Dictionary<string, DateTimeOffset> Leases = new();
        public GatewayRegistrationState State = GatewayRegistrationState.Opening;
        public DateTimeOffset LingerUntil;
        public Task<string>? Opened; // the stream name, or KIS's refusal
        public KisRecordFeed? Feed;
        public Task? Pump;
        public long Sequence; // written by the pump only (and by OpenAsync before the pump starts)
        public Entry? Previous; // this key's registration released before this one
        public Task Closed = Task.CompletedTask; // once released: feed disposed, pump ended, Sequence final
    }

    /// <summary>Claims <paramref name="tr"/> <paramref name="key"/> for <paramref name="consumer"/>; returns the stream the records go to.</summary>
    /// <exception cref="KisSubscriptionException">KIS refused it, or every session is full.</exception>
    /// <exception cref="ArgumentException">The TR or key is not valid.</exception>
    public async Task<string> SubscribeAsync(string consumer, TrDefinition tr, string key, CancellationToken cancellationToken)
    {
        Task<string> opened;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_entries.TryGetValue((tr.Id, key), out var entry))
            {
                entry = new Entry(tr, key) { Previous = _released.GetValueOrDefault((tr.Id, key)) };
                _entries.Add((tr.Id, key), entry);
                entry.Opened = OpenAsync(entry);
            }
            entry.Leases[consumer] = consumer == Permanent ? DateTimeOffset.MaxValue : _options.TimeProvider.GetUtcNow() + _options.Lease;
            if (entry.State == GatewayRegistrationState.Lingering) entry.State = GatewayRegistrationState.Active;
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

    private async Task<string> OpenAsync(Entry entry)
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
            var feed = await _client.OpenRecordFeedAsync(entry.Tr, entry.Key, _stopping.Token).ConfigureAwait(false);
            // The stream (and its binding) exists before the first record is published: an unbound record would be lost.
            var stream = await _declareStream(feed.Tr.Id, CancellationToken.None).ConfigureAwait(false);
            lock (_gate)
            {
                entry.Feed = feed;
                entry.State = entry.Leases.Count > 0 ? GatewayRegistrationState.Active : StartLinger(entry);
                entry.Pump = PumpAsync(entry, feed, new RecordRoute(feed.Tr.Id, entry.Key, feed.SessionIndex, _run));
            }
            Log.Registered(_logger, feed.Tr.Id, entry.Key, feed.SessionIndex, stream);
            return stream;
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                entry.State = GatewayRegistrationState.Closed;
                _entries.Remove((entry.Tr.Id, entry.Key));
            }
            if (!_stopping.IsCancellationRequested) Log.OpenFailed(_logger, entry.Tr.Id, entry.Key, e.Message); // not a failure: stopping
            throw;
        }
    }

    private async Task PumpAsync(Entry entry, KisRecordFeed feed, RecordRoute route)
    {
        await Task.Yield();
        try
        {
            await foreach (var record in feed.ReadAllAsync().ConfigureAwait(false))
                _publisher.TryEnqueue(new OutgoingRecord(route, ++entry.Sequence, GatewayWire.ToUnixMicroseconds(record.ReceivedAt), record.Data));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.FeedEnded(_logger, route.TrId, route.Key, e.Message);
        }
    }

    /// <summary>Ends a consumer's claim; the registration lingers when it was the last.</summary>
    public void Unsubscribe(string consumer, string trId, string key)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue((trId, key), out var entry) || !entry.Leases.Remove(consumer)) return;
            if (entry.Leases.Count == 0 && entry.State == GatewayRegistrationState.Active) entry.State = StartLinger(entry);
        }
    }

    /// <summary>Extends every claim of a consumer; returns how many it holds.</summary>
    public int Renew(string consumer)
    {
        var until = _options.TimeProvider.GetUtcNow() + _options.Lease;
        var held = 0;
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
            {
                if (consumer == Permanent || !entry.Leases.ContainsKey(consumer)) continue;
                entry.Leases[consumer] = until;
                held++;
            }
        }
        return held;
    }

    private GatewayRegistrationState StartLinger(Entry entry)
    {
        entry.LingerUntil = _options.TimeProvider.GetUtcNow() + _options.Linger;
        return GatewayRegistrationState.Lingering;
    }

    /// <summary>Expires leases and releases registrations whose linger has ended.</summary>
    internal void Sweep()
    {
        var now = _options.TimeProvider.GetUtcNow();
        List<Entry>? release = null;
        lock (_gate)
        {
            if (_disposed) return;
            foreach (var entry in _entries.Values)
            {
                foreach (var (consumer, until) in entry.Leases.ToList())
                {
                    if (until > now) continue;
                    entry.Leases.Remove(consumer);
                    Log.LeaseExpired(_logger, consumer, entry.Tr.Id, entry.Key);
                }
                if (entry.Leases.Count == 0 && entry.State == GatewayRegistrationState.Active) entry.State = StartLinger(entry);
                if (entry.State == GatewayRegistrationState.Lingering && entry.LingerUntil <= now) (release ??= new()).Add(entry);
            }
            if (release is null) return;
            foreach (var entry in release)
            {
                entry.State = GatewayRegistrationState.Closed;
                _entries.Remove((entry.Tr.Id, entry.Key));
                _released[(entry.Tr.Id, entry.Key)] = entry;
                // Started off this lock (disposing a feed talks to the client); a new registration of the key awaits it.
                entry.Closed = Task.Run(() => CloseAsync(entry));
            }
        }
    }

    private async Task CloseAsync(Entry entry)
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

    public IReadOnlyList<GatewayRegistrationStatus> Snapshot(out int consumers)
    {
        lock (_gate)
        {
            consumers = _entries.Values.SelectMany(e => e.Leases.Keys).Distinct().Count();
            return _entries.Values
                .Select(e => new GatewayRegistrationStatus(e.Feed?.Tr.Id ?? e.Tr.Id, e.Key, e.State.ToString().ToLowerInvariant(), e.Leases.Count,
                    e.Feed?.SessionIndex ?? -1, Interlocked.Read(ref e.Sequence)))
                .OrderBy(r => r.Tr, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> all;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            all = _entries.Values.ToList();
            _entries.Clear();
        }
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var entry in all)
        {
            if (entry.Opened is not null) await entry.Opened.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await CloseAsync(entry).ConfigureAwait(false);
        }
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

        [LoggerMessage(14, LogLevel.Information, "Consumer {Consumer} did not renew its claim on {TrId} {TrKey}: expired")]
        public static partial void LeaseExpired(ILogger logger, string consumer, string trId, string trKey);
    }
}
