using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway;

/// <summary>Claims at the gateway: granted, renewed, claimed again after a takeover, released.</summary>
public sealed partial class KisGatewayClient
{
    /// <summary>
    /// Counts a first claim (<see cref="ClaimAsync"/> with <c>held: true</c>) as in flight until <see cref="Hold"/> or its
    /// failure: DisposeAsync waits for it, so a claim the gateway grants while the client closes is released too.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The client is closing.</exception>
    private void BeginClaim()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            _claimsInFlight++;
        }
    }

    /// <summary>A first claim failed: it holds nothing.</summary>
    private void ClaimFailed()
    {
        lock (_gate) EndClaim();
    }

    private void EndClaim()
    {
        if (--_claimsInFlight == 0) _claimsSettled?.TrySetResult();
    }

    /// <summary>A subscription holds the key it claimed (lease renewal while it is open); ends its claim's flight.</summary>
    internal void Hold(string trId, string key, TimeSpan lease)
    {
        lock (_gate)
        {
            _held[(trId, key)] = _held.GetValueOrDefault((trId, key)) + 1;
            EndClaim();
            if (_renewTimer is not null || _closing) return;
            var period = lease / 3;
            _renewTimer = _options.TimeProvider.CreateTimer(_ => _ = RenewAsync(), null, period, period);
        }
    }

    /// <summary>A subscription ended: the last one of its key releases the claim. While closing, DisposeAsync releases everything.</summary>
    internal void Release(string trId, string key)
    {
        lock (_gate)
        {
            if (_closing || !_held.TryGetValue((trId, key), out var count)) return;
            if (count > 1)
            {
                _held[(trId, key)] = count - 1;
                return;
            }
            _held.Remove((trId, key));
        }
        _ = SendQuietlyAsync(new GatewayRequest(GatewayOp.Unsubscribe, trId, key, _options.ConsumerId));
    }

    /// <summary>
    /// Renews every claim. One the gateway no longer holds (the answer lists those it renewed: it lapsed, or another run
    /// took over without it) is claimed again at once; only when that is refused do its subscriptions end, with
    /// <see cref="KisGatewayClaimLostException"/>: "live" with nothing coming is worse. A renewal that fails is only
    /// logged: the lease outlasts two more.
    /// </summary>
    private async Task RenewAsync()
    {
        if (HeldCount == 0 || _disposed) return;
        (string Tr, string Key)[] asked;
        lock (_gate) asked = [.. _held.Keys]; // only claims made before the renewal was sent can be judged by its answer
        GatewayReply reply;
        try
        {
            reply = await RequestAsync(new GatewayRequest(GatewayOp.Renew, Consumer: _options.ConsumerId), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRequestFailure(e))
        {
            Log.RequestFailed(_logger, GatewayOp.Renew, e.Message);
            return;
        }
        if (!reply.Ok)
        {
            Log.RequestFailed(_logger, GatewayOp.Renew, $"{reply.Error}: {reply.Message}");
            return;
        }
        var held = reply.Held is { } list ? new HashSet<string>(list, StringComparer.Ordinal)
            : reply.Message == "0" ? [] : null; // a gateway that lists nothing says how many; none is still telling
        if (held is null) return;
        foreach (var (trId, key) in asked)
        {
            if (held.Contains(GatewayWire.RoutingKey(trId, key)) || !IsHeld(trId, key)) continue;
            await ClaimAgainAsync(trId, key).ConfigureAwait(false);
        }
    }

    private bool IsHeld(string trId, string key)
    {
        lock (_gate) return _held.ContainsKey((trId, key));
    }

    /// <summary>
    /// Claims a held key again (after a renewal found it missing, or a new gateway run announced itself); a refusal ends
    /// its subscriptions with <see cref="KisGatewayClaimLostException"/>, a failed request is left to the next renewal.
    /// </summary>
    internal async Task ClaimAgainAsync(string trId, string key)
    {
        if (_disposed || !IsHeld(trId, key)) return;
        try
        {
            await ClaimAsync(trId, key, CancellationToken.None, renewal: true).ConfigureAwait(false);
            Interlocked.Increment(ref Reclaims);
            Log.Reclaimed(_logger, trId, key);
        }
        catch (Exception e) when (e is KisSubscriptionException or KisGatewayRefusedException or ArgumentException)
        {
            if (!IsHeld(trId, key)) return;
            Log.ClaimLost(_logger, trId, key);
            await EndSubscriptionsAsync(trId, key, new KisGatewayClaimLostException(trId, key,
                $"The gateway no longer holds this consumer's claim on {trId} {key} and refused it again ({e.Message}): records may be missing; subscribe " +
                "again.")).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRequestFailure(e))
        {
            Log.RequestFailed(_logger, GatewayOp.Subscribe, e.Message); // the next renewal tries again
        }
    }

    private static bool IsRequestFailure(Exception e) => e is KisConnectionException or ObjectDisposedException or InvalidOperationException
        or OperationCanceledException or RabbitMQ.Client.Exceptions.AlreadyClosedException;

    private async Task SendQuietlyAsync(GatewayRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRequestFailure(e))
        {
            // The lease expires at the gateway by itself if this never arrives.
            Log.RequestFailed(_logger, request.Op, e.Message);
        }
    }
}
