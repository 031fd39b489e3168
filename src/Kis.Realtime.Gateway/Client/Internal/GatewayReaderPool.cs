namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The client's stream readers: one shared reader per stream for its live subscriptions, one of its own for each replaying
/// subscription or one that did not keep up with its shared reader. Attaches subscriptions, moves them, closes readers
/// left empty, and ends them all at the client's disposal.
/// </summary>
internal sealed class GatewayReaderPool(GatewayReaderContext context)
{
    // Guards _liveReaders, _readers and each subscriber's Current/Ended. Never held across broker I/O: a slow attach
    // (a stream replica not started yet, a slow broker) must not hold up every other subscription, nor the disposal.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly SemaphoreSlim _gate = new(1, 1);
    // One shared reader per stream for live subscriptions: a TR's stream is read once whatever the number of keys.
    private readonly Dictionary<string, GatewayStreamReader> _liveReaders = new(StringComparer.Ordinal);
    // Every open reader (shared and of their own), ended when the client is disposed.
    private readonly HashSet<GatewayStreamReader> _readers = [];
    private int _openReaders;

    /// <summary>Stream readers open now (shared live ones and ones of their own), for tests and status.</summary>
    public int Open => Volatile.Read(ref _openReaders);

    /// <summary>Tests only: runs before each stream reader attaches (a slow broker, a replica not started yet).</summary>
    public Func<CancellationToken, Task>? AttachHook { get; set; }

    public Task BeforeAttach(CancellationToken cancellationToken) => AttachHook?.Invoke(cancellationToken) ?? Task.CompletedTask;

    /// <summary>
    /// A subscription of <paramref name="key"/> on <paramref name="stream"/>: live ones join the stream's shared reader
    /// (started first if there is none yet), replaying ones get a reader of their own starting at <paramref name="start"/>.
    /// The subscription is in place before its reader consumes anything, so no first record passes it by.
    /// </summary>
    public async Task<StreamSubscriber> AttachAsync(string stream, string trId, string key, GatewayStart start, CancellationToken cancellationToken)
    {
        GatewayStreamReader reader;
        StreamSubscriber subscriber;
        var starting = false;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(context.Link.IsClosed, typeof(KisGatewayClient));
            var live = start.Kind == GatewayStartKind.Live;
            if (live && _liveReaders.TryGetValue(stream, out var shared))
            {
                reader = shared;
            }
            else
            {
                reader = new GatewayStreamReader(context, this, stream, trId, start, shared: live);
                Track(reader, live); // a live subscription of the same TR joins it while it attaches
                starting = true;
            }
            subscriber = reader.Add(key, context.Options.SubscriptionCapacity);
        }
        finally
        {
            _gate.Release();
        }
        try
        {
            // Outside the gate. A joiner waits for the attach in progress: it fails as the attach does.
            await (starting ? reader.StartAsync(cancellationToken) : reader.Started.WaitAsync(cancellationToken)).ConfigureAwait(false);
            return subscriber;
        }
        catch
        {
            await DetachAsync(subscriber).ConfigureAwait(false);
            if (starting) await ForgetAsync(reader).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A reader whose attach failed: no longer tracked (its subscribers end), then disposed.</summary>
    private async Task ForgetAsync(GatewayStreamReader reader)
    {
        bool dispose;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            dispose = _readers.Remove(reader);
            if (_liveReaders.TryGetValue(reader.Stream, out var shared) && shared == reader) _liveReaders.Remove(reader.Stream);
            Volatile.Write(ref _openReaders, _readers.Count);
        }
        finally
        {
            _gate.Release();
        }
        if (dispose) await reader.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A shared reader's subscription that did not keep up: it continues on a reader of its own from the stream offset
    /// of the record it could not take, with what it was delivered (run, sequence), so nothing is lost or repeated.
    /// Runs off the delivery path (the shared reader must not wait).
    /// </summary>
    public void MoveToOwnReader(StreamSubscriber subscriber, GatewayStreamReader from, long offset, byte[]? run, long sequence)
        => _ = MoveAsync(subscriber, from, offset, run, sequence);

    private async Task MoveAsync(StreamSubscriber subscriber, GatewayStreamReader from, long offset, byte[]? run, long sequence)
    {
        var disposeFrom = false;
        GatewayStreamReader? own = null;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!subscriber.Ended && context.Link.IsClosed)
            {
                subscriber.Buffer.Writer.TryComplete(); // the client closed meanwhile: its enumeration ends as the others did
            }
            else if (!subscriber.Ended)
            {
                own = new GatewayStreamReader(context, this, from.Stream, from.TrId, GatewayStart.FromOffset(offset), shared: false);
                own.Adopt(subscriber, run, sequence);
                Track(own, live: false);
            }
            disposeFrom = ForgetIfEmpty(from);
        }
        finally
        {
            _gate.Release();
        }
        if (disposeFrom) await from.DisposeAsync().ConfigureAwait(false);
        if (own is null) return;
        try
        {
            await own.StartAsync(CancellationToken.None).ConfigureAwait(false); // outside the gate
            GatewayClientLog.MovedToOwnReader(context.Logger, from.TrId, subscriber.Key, offset);
        }
        catch (Exception e)
        {
            subscriber.Buffer.Writer.TryComplete(context.Link.Lost(e.Message)); // its enumeration ends with the reason
            await ForgetAsync(own).ConfigureAwait(false);
        }
    }

    /// <summary>Ends a subscription; a reader left without subscriptions is closed.</summary>
    public async Task DetachAsync(StreamSubscriber subscriber)
    {
        GatewayStreamReader? reader;
        var dispose = false;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            subscriber.Ended = true;
            reader = subscriber.Current;
            if (reader is not null)
            {
                reader.Remove(subscriber);
                dispose = ForgetIfEmpty(reader);
            }
        }
        finally
        {
            _gate.Release();
        }
        if (dispose) await reader!.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Under the gate: a new reader is open.</summary>
    private void Track(GatewayStreamReader reader, bool live)
    {
        _readers.Add(reader);
        if (live) _liveReaders[reader.Stream] = reader;
        Volatile.Write(ref _openReaders, _readers.Count);
    }

    /// <summary>Under the gate: an empty reader is forgotten; true when the caller is to dispose it (once).</summary>
    private bool ForgetIfEmpty(GatewayStreamReader reader)
    {
        if (!reader.IsEmpty || !_readers.Remove(reader)) return false;
        if (_liveReaders.TryGetValue(reader.Stream, out var shared) && shared == reader) _liveReaders.Remove(reader.Stream);
        Volatile.Write(ref _openReaders, _readers.Count);
        return true;
    }

    /// <summary>Closes every reader: their subscriptions' enumerations end.</summary>
    public async Task CloseAllAsync()
    {
        GatewayStreamReader[] readers;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            readers = [.. _readers];
            _readers.Clear();
            _liveReaders.Clear();
            Volatile.Write(ref _openReaders, 0);
        }
        finally
        {
            _gate.Release();
        }
        foreach (var reader in readers) await reader.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Ends every subscription of <paramref name="trId"/> <paramref name="key"/> with <paramref name="reason"/>.</summary>
    public async Task EndSubscriptionsAsync(string trId, string key, Exception reason)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var reader in _readers)
                if (reader.TrId == trId) reader.End(key, reason);
        }
        finally
        {
            _gate.Release();
        }
    }
}
