namespace Kis.Realtime.Gateway;

public sealed partial class KisGatewayClient
{
    // Guards _liveReaders and _readers (async: attaching awaits the broker).
    private readonly SemaphoreSlim _readersGate = new(1, 1);
    // One shared reader per stream for live subscriptions: a TR's stream is read once whatever the number of keys.
    private readonly Dictionary<string, GatewayStreamReader> _liveReaders = new(StringComparer.Ordinal);
    // Every open reader (shared and replaying), ended when the client is disposed.
    private readonly HashSet<GatewayStreamReader> _readers = [];

    /// <summary>Claims a key at the gateway (or renews the claim); KIS's refusal comes back typed.</summary>
    /// <exception cref="KisSubscriptionException">KIS refused the key.</exception>
    internal async Task<TimeSpan> ClaimAsync(string trId, string key, CancellationToken cancellationToken)
    {
        var reply = await RequestAsync(new GatewayRequest("subscribe", trId, key, _options.ConsumerId), cancellationToken).ConfigureAwait(false);
        if (!reply.Ok) throw Refusal(reply, trId, key);
        return TimeSpan.FromMilliseconds(reply.LeaseMs ?? 30_000);
    }

    /// <summary>
    /// A subscription of <paramref name="key"/> on <paramref name="stream"/>: live ones join the stream's shared reader
    /// (attached first if there is none yet), replaying ones get a reader of their own starting at <paramref name="start"/>.
    /// </summary>
    private async Task<(GatewayStreamReader Reader, GatewayStreamReader.Subscriber Subscriber)> AttachAsync(string stream, string trId, string key,
        GatewayStart start, CancellationToken cancellationToken)
    {
        await _readersGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var live = start.Kind == GatewayStartKind.Live;
            if (!live || !_liveReaders.TryGetValue(stream, out var reader))
            {
                reader = new GatewayStreamReader(this, stream, trId, start, _logger);
                try
                {
                    await reader.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await reader.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
                _readers.Add(reader);
                if (live) _liveReaders[stream] = reader;
            }
            return (reader, reader.Add(key, _options.SubscriptionCapacity));
        }
        finally
        {
            _readersGate.Release();
        }
    }

    /// <summary>Ends a subscription; a reader left without subscriptions is closed.</summary>
    private async Task DetachAsync(GatewayStreamReader reader, GatewayStreamReader.Subscriber subscriber)
    {
        bool last;
        await _readersGate.WaitAsync().ConfigureAwait(false);
        try
        {
            last = reader.Remove(subscriber);
            if (last)
            {
                _readers.Remove(reader);
                if (_liveReaders.TryGetValue(reader.Stream, out var shared) && shared == reader) _liveReaders.Remove(reader.Stream);
            }
        }
        finally
        {
            _readersGate.Release();
        }
        if (last) await reader.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes every reader: their subscriptions' enumerations end.</summary>
    private async Task CloseReadersAsync()
    {
        GatewayStreamReader[] readers;
        await _readersGate.WaitAsync().ConfigureAwait(false);
        try
        {
            readers = [.. _readers];
            _readers.Clear();
            _liveReaders.Clear();
        }
        finally
        {
            _readersGate.Release();
        }
        foreach (var reader in readers) await reader.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stream readers open now (shared live ones and replaying ones), for tests and status.</summary>
    internal int OpenReaders
    {
        get
        {
            _readersGate.Wait();
            try { return _readers.Count; }
            finally { _readersGate.Release(); }
        }
    }
}
