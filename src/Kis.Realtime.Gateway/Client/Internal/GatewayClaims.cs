using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Protocol;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The client's claims at the gateway: granted, held per key by its subscriptions, renewed on a timer, claimed again
/// after a takeover, released by the last subscription of a key or all at once by the client's disposal. Its state is
/// guarded by <see cref="_gate"/>, never held across a request.
/// </summary>
internal sealed class GatewayClaims(KisGatewayClientOptions options, ILogger logger, GatewayBrokerLink link, GatewayClientCounters counters,
    Func<string, string, Exception, Task> endSubscriptions)
{
    private readonly Lock _gate = new(); // guards _held, _claimsInFlight, _claimsSettled, _closing, _renewTimer
    private readonly Dictionary<(string Tr, string Key), int> _held = new(); // claims granted, per key: the subscriptions holding it
    private int _claimsInFlight; // first claims sent and not yet held (or failed): the disposal waits for them
    private TaskCompletionSource? _claimsSettled;
    private bool _closing; // the disposal began: no new claim; what is held is released by it
    private ITimer? _renewTimer;

    /// <summary>Keys held now (each counted once, whatever the number of its subscriptions).</summary>
    public int HeldCount
    {
        get
        {
            lock (_gate) return _held.Count;
        }
    }

    /// <summary>
    /// Claims a key at the gateway; KIS's refusal comes back typed. A first claim (<paramref name="renewal"/> false) is
    /// followed by <see cref="Hold"/>; until then the disposal waits for it. A renewal (after a reconnect) claims a key
    /// already held.
    /// </summary>
    /// <exception cref="KisSubscriptionException">KIS refused the key.</exception>
    /// <exception cref="ObjectDisposedException">The client is closing (first claims only).</exception>
    public async Task<TimeSpan> ClaimAsync(string trId, string key, CancellationToken cancellationToken, bool renewal = false)
    {
        if (!renewal) BeginClaim();
        try
        {
            var reply = await link.RequestAsync(new GatewayRequest(GatewayOp.Subscribe, trId, key, options.ConsumerId), cancellationToken)
                .ConfigureAwait(false);
            if (!reply.Ok) throw Refusal(reply, trId, key);
            return TimeSpan.FromMilliseconds(reply.LeaseMs ?? 30_000);
        }
        catch when (!renewal)
        {
            ClaimFailed();
            throw;
        }
    }

    /// <summary>
    /// Counts a first claim as in flight until <see cref="Hold"/> or its failure: the disposal waits for it, so a claim the
    /// gateway grants while the client closes is released too.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The client is closing.</exception>
    private void BeginClaim()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, typeof(KisGatewayClient));
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
    public void Hold(string trId, string key, TimeSpan lease)
    {
        lock (_gate)
        {
            _held[(trId, key)] = _held.GetValueOrDefault((trId, key)) + 1;
            EndClaim();
            if (_renewTimer is not null || _closing) return;
            var period = lease / 3;
            _renewTimer = options.TimeProvider.CreateTimer(_ => _ = RenewAsync(), null, period, period);
        }
    }

    /// <summary>A subscription ended: the last one of its key releases the claim. While closing, the disposal releases everything.</summary>
    public void Release(string trId, string key)
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
        _ = SendQuietlyAsync(new GatewayRequest(GatewayOp.Unsubscribe, trId, key, options.ConsumerId));
    }

    /// <summary>The disposal began: no claim starts from now on, renewals stop, <see cref="Release"/> leaves the releasing to it.</summary>
    public void BeginClose()
    {
        lock (_gate)
        {
            _closing = true;
            _renewTimer?.Dispose();
        }
    }

    /// <summary>
    /// Waits (bounded) for the claims in flight, then releases every key held, all at once: with the gateway down, 40 keys
    /// released one after another took 40 timeouts. An unanswered release costs nothing lasting: the gateway lets its
    /// lease expire.
    /// </summary>
    public async Task ReleaseAllAsync()
    {
        Task settled;
        lock (_gate)
        {
            _claimsSettled = _claimsInFlight == 0 ? null : new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            settled = _claimsSettled?.Task ?? Task.CompletedTask;
        }
        try
        {
            // Each claim's request is bounded by RequestTimeout; the margin covers connecting first.
            await settled.WaitAsync(options.RequestTimeout * 2, options.TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        (string Tr, string Key)[] held;
        lock (_gate)
        {
            held = [.. _held.Keys];
            _held.Clear();
        }
        using var releasing = new CancellationTokenSource(options.RequestTimeout, options.TimeProvider);
        await Task.WhenAll(held.Select(k => SendQuietlyAsync(new GatewayRequest(GatewayOp.Unsubscribe, k.Tr, k.Key, options.ConsumerId), releasing.Token)))
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Renews every claim. One the gateway no longer holds (the answer lists those it renewed: it lapsed, or another run
    /// took over without it) is claimed again at once; only when that is refused do its subscriptions end, with
    /// <see cref="KisGatewayClaimLostException"/>: "live" with nothing coming is worse. A renewal that fails is only
    /// logged: the lease outlasts two more.
    /// </summary>
    private async Task RenewAsync()
    {
        if (HeldCount == 0 || link.IsClosed) return;
        (string Tr, string Key)[] asked;
        lock (_gate) asked = [.. _held.Keys]; // only claims made before the renewal was sent can be judged by its answer
        GatewayReply reply;
        try
        {
            reply = await link.RequestAsync(new GatewayRequest(GatewayOp.Renew, Consumer: options.ConsumerId), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRequestFailure(e))
        {
            GatewayClientLog.RequestFailed(logger, GatewayOp.Renew, e.Message);
            return;
        }
        if (!reply.Ok)
        {
            GatewayClientLog.RequestFailed(logger, GatewayOp.Renew, $"{reply.Error}: {reply.Message}");
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
    public async Task ClaimAgainAsync(string trId, string key)
    {
        if (link.IsClosed || !IsHeld(trId, key)) return;
        try
        {
            await ClaimAsync(trId, key, CancellationToken.None, renewal: true).ConfigureAwait(false);
            Interlocked.Increment(ref counters.Reclaims);
            GatewayClientLog.Reclaimed(logger, trId, key);
        }
        catch (Exception e) when (e is KisSubscriptionException or KisGatewayRefusedException or ArgumentException)
        {
            if (!IsHeld(trId, key)) return;
            GatewayClientLog.ClaimLost(logger, trId, key);
            await endSubscriptions(trId, key, new KisGatewayClaimLostException(trId, key,
                $"The gateway no longer holds this consumer's claim on {trId} {key} and refused it again ({e.Message}): records may be missing; subscribe " +
                "again.")).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRequestFailure(e))
        {
            GatewayClientLog.RequestFailed(logger, GatewayOp.Subscribe, e.Message); // the next renewal tries again
        }
    }

    private static bool IsRequestFailure(Exception e) => e is KisConnectionException or ObjectDisposedException or InvalidOperationException
        or OperationCanceledException or RabbitMQ.Client.Exceptions.AlreadyClosedException;

    private async Task SendQuietlyAsync(GatewayRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            await link.RequestAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRequestFailure(e))
        {
            // The lease expires at the gateway by itself if this never arrives.
            GatewayClientLog.RequestFailed(logger, request.Op, e.Message);
        }
    }

    /// <summary>The gateway's refusal of a request about <paramref name="trId"/> <paramref name="key"/>, typed.</summary>
    public static Exception Refusal(GatewayReply reply, string trId, string key) => reply.Error switch
    {
        "invalid" => new ArgumentException($"The gateway rejected {trId} {key}: {reply.Message}"),
        "refused" or "limit" => new KisSubscriptionException(reply.Tr ?? trId, reply.Key ?? key,
            reply.MsgCd is not null && OpspCodes.TryParse(reply.MsgCd, out var code) ? code : null, reply.MsgCd, reply.Message),
        "unauthenticated" or "forbidden" or "quota" or "rate" or "too_large" or "not_held" or "busy"
            => new KisGatewayRefusedException(trId, key, reply.Error, reply.Message),
        _ => new InvalidOperationException($"The gateway could not subscribe {trId} {key}: {reply.Message}"),
    };
}
