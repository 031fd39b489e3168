using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway;

public sealed partial class KisGatewayClient
{
    // Guards _liveReaders, _readers and each subscriber's Current/Ended (async: attaching awaits the broker).
    private readonly SemaphoreSlim _readersGate = new(1, 1);
    // One shared reader per stream for live subscriptions: a TR's stream is read once whatever the number of keys.
    private readonly Dictionary<string, GatewayStreamReader> _liveReaders = new(StringComparer.Ordinal);
    // Every open reader (shared and of their own), ended when the client is disposed.
    private readonly HashSet<GatewayStreamReader> _readers = [];
    private int _openReaders;

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
    /// (started first if there is none yet), replaying ones get a reader of their own starting at <paramref name="start"/>.
    /// The subscription is in place before its reader consumes anything, so no first record passes it by.
    /// </summary>
    private async Task<GatewayStreamReader.Subscriber> AttachAsync(string stream, string trId, string key, GatewayStart start, CancellationToken cancellationToken)
    {
        await _readersGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var live = start.Kind == GatewayStartKind.Live;
            if (live && _liveReaders.TryGetValue(stream, out var shared)) return shared.Add(key, _options.SubscriptionCapacity);
            var reader = new GatewayStreamReader(this, stream, trId, start, shared: live, _logger);
            var subscriber = reader.Add(key, _options.SubscriptionCapacity);
            try
            {
                await reader.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await reader.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            Track(reader, live);
            return subscriber;
        }
        finally
        {
            _readersGate.Release();
        }
    }

    /// <summary>
    /// A shared reader's subscription that did not keep up: it continues on a reader of its own from the stream offset
    /// of the record it could not take, with what it was delivered (run, sequence), so nothing is lost or repeated.
    /// Runs off the delivery path (the shared reader must not wait).
    /// </summary>
    internal void MoveToOwnReader(GatewayStreamReader.Subscriber subscriber, GatewayStreamReader from, long offset, byte[]? run, long sequence)
        => _ = MoveAsync(subscriber, from, offset, run, sequence);

    private async Task MoveAsync(GatewayStreamReader.Subscriber subscriber, GatewayStreamReader from, long offset, byte[]? run, long sequence)
    {
        var disposeFrom = false;
        await _readersGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!subscriber.Ended && _disposed)
            {
                subscriber.Buffer.Writer.TryComplete(); // the client closed meanwhile: its enumeration ends as the others did
            }
            else if (!subscriber.Ended)
            {
                var own = new GatewayStreamReader(this, from.Stream, from.TrId, GatewayStart.FromOffset(offset), shared: false, _logger);
                own.Adopt(subscriber, run, sequence);
                try
                {
                    await own.StartAsync(CancellationToken.None).ConfigureAwait(false);
                    Track(own, live: false);
                    Log.MovedToOwnReader(_logger, from.TrId, subscriber.Key, offset);
                }
                catch (Exception e)
                {
                    await own.DisposeAsync().ConfigureAwait(false);
                    subscriber.Buffer.Writer.TryComplete(Lost(e.Message)); // its enumeration ends with the reason
                }
            }
            disposeFrom = ForgetIfEmpty(from);
        }
        finally
        {
            _readersGate.Release();
        }
        if (disposeFrom) await from.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Ends a subscription; a reader left without subscriptions is closed.</summary>
    private async Task DetachAsync(GatewayStreamReader.Subscriber subscriber)
    {
        GatewayStreamReader? reader;
        var dispose = false;
        await _readersGate.WaitAsync().ConfigureAwait(false);
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
            _readersGate.Release();
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
    private async Task CloseReadersAsync()
    {
        GatewayStreamReader[] readers;
        await _readersGate.WaitAsync().ConfigureAwait(false);
        try
        {
            readers = [.. _readers];
            _readers.Clear();
            _liveReaders.Clear();
            Volatile.Write(ref _openReaders, 0);
        }
        finally
        {
            _readersGate.Release();
        }
        foreach (var reader in readers) await reader.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stream readers open now (shared live ones and ones of their own), for tests and status.</summary>
    internal int OpenReaders => Volatile.Read(ref _openReaders);
}
