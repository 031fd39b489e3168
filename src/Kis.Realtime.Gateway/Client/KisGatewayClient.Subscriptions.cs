using System.Runtime.CompilerServices;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Gateway;

/// <summary>The subscriptions: the public overloads and the one read they share (stream, attach, claim, deliver).</summary>
public sealed partial class KisGatewayClient
{
    /// <summary>
    /// Raised for every gap or overlap found on a trade subscription from KIS's cumulative volume (trades the gateway's
    /// KIS session missed, within a connection and across its reconnects), from a task of its own: never on a reader's
    /// thread nor under a lock. See <see cref="KisGatewayClientOptions.DetectGaps"/>.
    /// </summary>
    public event Action<Kis.Realtime.VolumeGap>? GapDetected
    {
        add => _gaps.GapDetected += value;
        remove => _gaps.GapDetected -= value;
    }

    /// <summary>Any TR with a typed view, from <see cref="KisGatewayClientOptions.Start"/>.</summary>
    public IAsyncEnumerable<T> SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
        => SubscribeAsync<T>(tr, key, _options.Start, cancellationToken);

    /// <summary>Any TR with a typed view, from <paramref name="start"/> (live, first, an offset or a time), then live.</summary>
    /// <exception cref="ArgumentException">The key is malformed, or <typeparamref name="T"/> does not decode the TR.</exception>
    public IAsyncEnumerable<T> SubscribeAsync<T>(TrDefinition tr, string key, GatewayStart start, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
    {
        Check(tr, key);
        return Read<T>(tr, key, start, resolved =>
        {
            if (!T.Trs.Contains(resolved))
                throw new ArgumentException($"{typeof(T).Name} does not decode {resolved.Id}; it decodes {string.Join(", ", T.Trs.Select(t => t.Id))}.",
                    nameof(tr));
            return record =>
            {
                if (T.TryDecode(resolved, record.Body, out var value, out _)) return (true, value);
                Interlocked.Increment(ref Counters.DecodeErrors);
                return (false, default);
            };
        }, cancellationToken);
    }

    /// <summary>Any TR with a typed view, each record with the time the gateway received it from KIS, from
    /// <see cref="KisGatewayClientOptions.Start"/>.</summary>
    /// <exception cref="ArgumentException">The key is malformed, or <typeparamref name="T"/> does not decode the TR.</exception>
    public IAsyncEnumerable<KisReceived<T>> SubscribeReceivedAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
    {
        Check(tr, key);
        return Read<KisReceived<T>>(tr, key, _options.Start, resolved =>
        {
            if (!T.Trs.Contains(resolved))
                throw new ArgumentException($"{typeof(T).Name} does not decode {resolved.Id}; it decodes {string.Join(", ", T.Trs.Select(t => t.Id))}.",
                    nameof(tr));
            return record =>
            {
                if (T.TryDecode(resolved, record.Body, out var value, out _))
                    return (true, new KisReceived<T>(value, GatewayWire.FromUnixMicroseconds(record.ReceivedAtMicros)));
                Interlocked.Increment(ref Counters.DecodeErrors);
                return (false, default);
            };
        }, cancellationToken);
    }

    /// <summary>Any TR, raw: each record's plain fields as the gateway received them from KIS.</summary>
    public IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        => SubscribeRecordsAsync(tr, key, _options.Start, cancellationToken);

    /// <summary>Any TR, raw, from <paramref name="start"/>, then live.</summary>
    public IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key, GatewayStart start, CancellationToken cancellationToken = default)
    {
        Check(tr, key);
        return Read<KisRecord>(tr, key, start, resolved => record =>
            (true, new KisRecord(resolved, key, GatewayWire.FromUnixMicroseconds(record.ReceivedAtMicros), record.Body)), cancellationToken);
    }

    private static void Check(TrDefinition tr, string key)
    {
        ArgumentNullException.ThrowIfNull(tr);
        ArgumentNullException.ThrowIfNull(key);
        if (!tr.IsValidKey(key)) throw new ArgumentException($"'{key}' is not a valid {tr.Id} key ({tr.KeyFormat}).", nameof(key));
    }

    private async IAsyncEnumerable<T> Read<T>(TrDefinition tr, string key, GatewayStart start,
        Func<TrDefinition, Func<StreamRecord, (bool Ok, T Value)>> decoderFor,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_link.IsClosed, this);
        // One span from the request to the claim granted (or refused); none per record.
        var span = GatewayClientActivities.StartSubscribe(tr.Id, key);
        TrDefinition resolved;
        Func<StreamRecord, (bool Ok, T Value)> create;
        StreamSubscriber subscription;
        Kis.Realtime.Internal.GapCheck? gaps;
        try
        {
            // 1. The stream exists (the gateway declares it) and which TR the gateway's environment maps this one to.
            var prepared = await _link.RequestAsync(new GatewayRequest(GatewayOp.Stream, tr.Id, key, _options.ConsumerId), cancellationToken)
                .ConfigureAwait(false);
            if (!prepared.Ok) throw GatewayClaims.Refusal(prepared, tr.Id, key);
            if (!KisTrs.TryGet(prepared.Tr!, out resolved!)) throw new InvalidOperationException(
                $"The gateway maps {tr.Id} to {prepared.Tr}, which this library does not know.");
            create = decoderFor(resolved);
            gaps = _gaps.For(resolved, key); // null unless a trade TR with a cumulative volume (and detection on)

            // 2. Attach to the stream before claiming the key (a live start misses nothing), then claim it: KIS's refusal comes back typed.
            subscription = await _readers.AttachAsync(prepared.Stream!, resolved.Id, key, start, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            GatewayClientActivities.Fail(span, e);
            span?.Dispose();
            throw;
        }
        try
        {
            try
            {
                _claims.Hold(resolved.Id, key, await _claims.ClaimAsync(resolved.Id, key, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                GatewayClientActivities.Fail(span, e);
                throw;
            }
            finally
            {
                span?.Dispose(); // before the first record: the consumer's own work is not part of it
            }
            try
            {
                var records = subscription.Reader;
                while (await records.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (records.TryRead(out var record))
                    {
                        var (ok, value) = create(record);
                        if (!ok) continue;
                        gaps?.Observe(record.Body, GatewayWire.FromUnixMicroseconds(record.ReceivedAtMicros));
                        Interlocked.Increment(ref Counters.RecordsDelivered);
                        yield return value;
                    }
                }
            }
            finally
            {
                _claims.Release(resolved.Id, key);
            }
        }
        finally
        {
            await _readers.DetachAsync(subscription).ConfigureAwait(false);
        }
    }
}
