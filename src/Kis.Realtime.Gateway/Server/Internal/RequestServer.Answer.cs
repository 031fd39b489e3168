using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>The answers to requests that passed the reply-queue check.</summary>
internal sealed partial class RequestServer
{
    private int _pendingSubscribes; // subscribes waiting for KIS (Interlocked)
    private readonly FleetUniverseClaims _universeClaims = new();

    /// <summary>Checks a request in the order that keeps an attacker's bytes out of memory, logs and replies: size, user,
    /// rate, then the JSON and its ids.</summary>
    private async Task<GatewayReply> AnswerAsync(string? userId, byte[]? body, int length, CancellationToken cancellationToken)
    {
        var request = Admit(userId, body, length);
        switch (request.Op)
        {
            case GatewayOp.Status:
                return new GatewayReply(true, Status: GatewayStatusJson.Json.ToElement(StatusFor(userId!)));
            case GatewayOp.Renew:
            {
                var identity = RequestGuard.Identify(userId, request.Consumer);
                var held = _registrations().Renew(identity);
                _universeClaims.AddTo(identity, held);
                return new GatewayReply(true, Message: held.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Held: held);
            }
            case GatewayOp.Stream:
            {
                var tr = Resolve(request.Tr);
                return new GatewayReply(true, Tr: tr.Id, Stream: await DeclareStreamAsync(tr.Id, cancellationToken).ConfigureAwait(false));
            }
            case GatewayOp.Subscribe:
                return await SubscribeAsync(userId, request, cancellationToken).ConfigureAwait(false);
            case GatewayOp.Unsubscribe:
                return Unsubscribe(userId, request);
            default:
                throw new GatewayRefusalException("invalid",
                    $"Unknown op '{RequestGuard.ForLog(request.Op)}' (stream, subscribe, unsubscribe, renew, status).");
        }
    }

    // Size, user and rate before a byte of the body is parsed; then the JSON.
    private GatewayRequest Admit(string? userId, byte[]? body, int length)
    {
        if (body is null)
            throw new GatewayRefusalException("too_large",
                $"The request has {length} bytes, more than {RequestGuard.MaxRequestBytes}; rejected without requeue.");
        if (string.IsNullOrEmpty(userId)) RequestGuard.Identify(userId, null); // throws: unauthenticated
        if (!_guard.TryTake(userId!))
            throw new GatewayRefusalException("rate", $"Your broker user sends more than {_options.MaxRequestsPerSecondPerUser:0.#} requests per second " +
                "(KisGatewayOptions.MaxRequestsPerSecondPerUser).");
        try
        {
            return GatewayJson.Deserialize<GatewayRequest>(body) ?? throw new GatewayRefusalException("invalid", "The request is empty.");
        }
        catch (System.Text.Json.JsonException)
        {
            throw new GatewayRefusalException("invalid", "The request is not the gateway's JSON.");
        }
    }

    private async Task<GatewayReply> SubscribeAsync(string? userId, GatewayRequest request, CancellationToken cancellationToken)
    {
        var identity = RequestGuard.Identify(userId, request.Consumer);
        var (tr, key) = (Resolve(request.Tr), ValidKey(request.Tr, request.Key));
        if (_options.FleetUniverse?.Contains(tr.Id + " " + key) == true) // held by its fleet shard: read the stream
        {
            _universeClaims.Claim(identity, tr.Id, key);
            return new GatewayReply(true, tr.Id, key, await DeclareStreamAsync(tr.Id, cancellationToken).ConfigureAwait(false),
                LeaseMs: (long)_options.Lease.TotalMilliseconds);
        }
        // A universe shard registers its plan only: a claim sent to its request queue directly would register a key
        // the claims shard may register too, published twice.
        if (_options.Endpoint.Shard is not null)
            throw new GatewayRefusalException("not_here",
                $"This is fleet shard {_options.Endpoint.Shard}; ad-hoc claims go to {_options.Endpoint.Namespace}.requests.");
        // A subscribe may wait for KIS for a minute (the OPSP8996 retries after a failover); the prefetch window
        // holds this many of them and 64 more deliveries, so renewals and status never queue behind them.
        if (Interlocked.Increment(ref _pendingSubscribes) > RequestGuard.MaxPendingSubscribes)
        {
            Interlocked.Decrement(ref _pendingSubscribes);
            throw new GatewayRefusalException("busy",
                $"The gateway has {RequestGuard.MaxPendingSubscribes} subscribes waiting for KIS; ask again in a few seconds.");
        }
        try
        {
            var stream = await _registrations().SubscribeAsync(identity, tr, key, cancellationToken).ConfigureAwait(false);
            return new GatewayReply(true, tr.Id, key, stream, LeaseMs: (long)_options.Lease.TotalMilliseconds);
        }
        catch (KisSubscriptionLimitException e)
        {
            return new GatewayReply(false, tr.Id, key, Error: "limit", MsgCd: e.MsgCd, Message: e.Message);
        }
        catch (KisSubscriptionException e)
        {
            return new GatewayReply(false, e.TrId, e.TrKey, Error: "refused", MsgCd: e.MsgCd, Message: e.ServerMessage ?? e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingSubscribes);
        }
    }

    private GatewayReply Unsubscribe(string? userId, GatewayRequest request)
    {
        var identity = RequestGuard.Identify(userId, request.Consumer);
        var (tr, key) = (Resolve(request.Tr), ValidKey(request.Tr, request.Key));
        // Only the requester's own claim: one of another identity (or of the gateway) is not its to release.
        var universeKey = _options.FleetUniverse?.Contains(tr.Id + " " + key) == true;
        if (universeKey) _universeClaims.Release(identity, tr.Id, key);
        else if (!_registrations().Unsubscribe(identity, tr.Id, key))
            throw new GatewayRefusalException("not_held",
                $"You hold no claim on {tr.Id} {key} (a claim is released by the user and consumer id that made it).");
        return new GatewayReply(true, tr.Id, key);
    }

    /// <summary>
    /// The status as <paramref name="user"/> may see it: every registration for the gateway's own broker user and the
    /// <see cref="KisGatewayOptions.MonitoringUsers"/>; for any other user only the registrations it counts for and its own
    /// consumers (another user's keys say what that user trades).
    /// </summary>
    private GatewayStatus StatusFor(string user)
    {
        var status = _status();
        if (user == _options.Endpoint.UserName || _options.MonitoringUsers.Contains(user, StringComparer.Ordinal)) return status;
        var own = _registrations().Snapshot(out var consumers, user);
        return status with { Registrations = own, Consumers = consumers };
    }

    private static string ValidKey(string? trId, string? key)
    {
        key = RequestGuard.Key(key);
        if (KisTrs.TryGet(trId!, out var tr) && !tr.IsValidKey(key))
            throw new GatewayRefusalException("invalid", $"The key is not a valid {tr.Id} key ({tr.KeyFormat}).");
        return key;
    }

    private TrDefinition Resolve(string? trId)
    {
        if (string.IsNullOrEmpty(trId)) throw new GatewayRefusalException("invalid", "The request has no 'tr'.");
        if (!KisTrs.TryGet(trId, out var tr)) throw new GatewayRefusalException("invalid", $"Unknown TR '{RequestGuard.ForLog(trId)}'.");
        return KisTrs.ForEnvironment(tr, _options.Client.Environment);
    }
}
