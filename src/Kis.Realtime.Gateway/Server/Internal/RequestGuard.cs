using System.Text;
using Kis.Realtime.Retry;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Who sent a request: the AMQP <c>user-id</c>, which RabbitMQ checks against the connection's user (a publish naming
/// another user is refused by the broker), and the consumer id the requester chose under it. Claims belong to the pair,
/// so a consumer releases or renews only its own. <see cref="Gateway"/> (no user) cannot come from the wire: every
/// request's identity has the user the broker vouched for.
/// </summary>
internal readonly record struct GatewayIdentity(string? User, string Consumer)
{
    /// <summary>The gateway's own claims (<see cref="KisGateway.HoldAsync"/>): they never expire.</summary>
    public static readonly GatewayIdentity Gateway = new(null, "(gateway)");

    /// <summary>Bounded and sanitised, for logs.</summary>
    public override string ToString() => User is null ? Consumer : RequestGuard.ForLog(User) + "/" + RequestGuard.ForLog(Consumer);
}

/// <summary>A request refused before it reached the registrations: the wire's error kind and a message that never echoes
/// what the requester sent.</summary>
internal sealed class GatewayRefusalException(string error, string message) : Exception(message)
{
    /// <summary>The reply's <c>error</c>: unauthenticated, forbidden, too_large, invalid, quota, rate, not_held, busy.</summary>
    public string Error { get; } = error;
}

/// <summary>
/// The bounds every request is checked against before anything of it is logged, stored or echoed: body size, the
/// length and characters of ids and keys, the reply queue (only one the broker named for its requester), and a request
/// rate per broker user (a sliding window; users are the broker's, so their number is bounded by its configuration).
/// </summary>
internal sealed class RequestGuard(KisGatewayOptions options)
{
    /// <summary>A request body larger than this is refused unread (a real request is under 200 bytes).</summary>
    public const int MaxRequestBytes = 4096;
    /// <summary>The request queue's bound on its ready bytes (<c>x-max-length-bytes</c>, reject-publish): no single
    /// message above it reaches the gateway, and 4 MiB still holds some 20,000 real requests.</summary>
    public const long MaxQueuedRequestBytes = 4L << 20;
    /// <summary>RabbitMQ's hard limit on a message (its <c>max_message_size</c> cannot be set above it): the request
    /// connection reads any body up to it, so a large one is refused by its length instead of dropping the connection.</summary>
    public const uint MaxBrokerMessageBytes = 512u << 20;
    /// <summary>Subscribes that may wait for KIS at once (each a claim, so also bounded by the claims per user); beyond
    /// them a subscribe is refused <c>busy</c> at once rather than fill the prefetch window.</summary>
    public const ushort MaxPendingSubscribes = 4096;
    /// <summary>Prefetched deliveries beyond the waiting subscribes: renewals, status, unsubscribes, answered at once.</summary>
    public const ushort QuickRequestWindow = 64;
    /// <summary>Consumer ids and broker user names, at most (printable ASCII without spaces for consumer ids).</summary>
    public const int MaxIdLength = 128;
    /// <summary>TR keys, at most (KIS's longest keys are HTS IDs and ISINs, under 20).</summary>
    public const int MaxKeyLength = 64;
    /// <summary>Correlation ids, at most (echoed in the reply's properties).</summary>
    public const int MaxCorrelationIdLength = 128;

    private readonly Lock _gate = new(); // guards _limits
    private readonly Dictionary<string, SlidingWindowLimit> _limits = new(StringComparer.Ordinal);

    /// <summary>The identity of a request, or a refusal (no user-id; a consumer id that is not one).</summary>
    public static GatewayIdentity Identify(string? userId, string? consumer)
    {
        if (string.IsNullOrEmpty(userId))
            throw new GatewayRefusalException("unauthenticated",
                "The request has no AMQP user-id property: set it to your broker user name (the broker checks it).");
        if (userId.Length > MaxIdLength) throw new GatewayRefusalException("too_large", $"The user-id is longer than {MaxIdLength} characters.");
        return new GatewayIdentity(userId, ConsumerId(consumer));
    }

    /// <summary>A consumer id: 1 … 128 printable ASCII characters, not the gateway's own.</summary>
    public static string ConsumerId(string? consumer)
    {
        if (string.IsNullOrEmpty(consumer)) throw new GatewayRefusalException("invalid", "The request has no 'consumer'.");
        if (consumer.Length > MaxIdLength) throw new GatewayRefusalException("too_large", $"The consumer id is longer than {MaxIdLength} characters.");
        foreach (var c in consumer)
            if (c is < '!' or > '~') throw new GatewayRefusalException("invalid", "The consumer id has a character outside printable ASCII (or a space).");
        if (consumer == GatewayIdentity.Gateway.Consumer) throw new GatewayRefusalException("forbidden", $"The consumer id {consumer} is the gateway's own.");
        return consumer;
    }

    /// <summary>A key short enough to check against its TR's format (the format check itself is the TR's).</summary>
    public static string Key(string? key)
    {
        if (string.IsNullOrEmpty(key)) throw new GatewayRefusalException("invalid", "The request has no 'key'.");
        if (key.Length > MaxKeyLength) throw new GatewayRefusalException("too_large", $"The key is longer than {MaxKeyLength} characters.");
        return key;
    }

    /// <summary>
    /// True for a reply queue <paramref name="user"/> (the broker-checked <c>user-id</c>) owns: one of its own named queues,
    /// <c>{ns}.reply.{user}.{suffix}</c> (<see cref="KisGatewayEndpoint.ReplyQueuePrefixOf"/>; a suffix of letters, digits,
    /// '-' and '_', so the name tells its user; the broker lets only that user declare such names), or the direct reply-to
    /// pseudo queue in the form the broker issues (<see cref="DirectReplyAddress"/>: its name carries a secret the broker
    /// made for the requester's channel and delivers only there; any other form may fail the publisher's connection).
    /// Never a stream, another user's queue, or a server-named <c>amq.gen-…</c> queue: any user with the management tag
    /// can list those names, and nothing ties one to its requester.
    /// </summary>
    public static bool IsReplyQueueOf(string? replyTo, string? user, KisGatewayEndpoint endpoint)
    {
        if (string.IsNullOrEmpty(replyTo) || replyTo.Length > 255) return false;
        if (replyTo.StartsWith(DirectReplyAddress.Prefix, StringComparison.Ordinal)) return DirectReplyAddress.IsWellFormed(replyTo);
        if (string.IsNullOrEmpty(user)) return false;
        var prefix = endpoint.ReplyQueuePrefixOf(user);
        if (!replyTo.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var suffix = replyTo.AsSpan(prefix.Length);
        if (suffix.IsEmpty || suffix.Length > 64) return false;
        foreach (var c in suffix)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return false;
        return true;
    }

    /// <summary>Counts a request of <paramref name="user"/>; false when the user is over the rate: at most twice
    /// <see cref="KisGatewayOptions.MaxRequestsPerSecondPerUser"/> in any two seconds, so a consumer subscribing its 40
    /// keys at start may send 80 requests at once.</summary>
    public bool TryTake(string user)
    {
        lock (_gate)
        {
            if (!_limits.TryGetValue(user, out var limit))
                _limits[user] = limit = new SlidingWindowLimit(Math.Max(1, (int)Math.Ceiling(options.MaxRequestsPerSecondPerUser * 2)), TimeSpan.FromSeconds(2),
                    options.TimeProvider);
            return limit.TryRecord();
        }
    }

    /// <summary>At most 64 characters of <paramref name="text"/>, anything but printable ASCII as '?', with its length when cut.</summary>
    public static string ForLog(string? text)
    {
        if (text is null) return "(none)";
        const int max = 64;
        var builder = new StringBuilder(Math.Min(text.Length, max) + 24);
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, max))) builder.Append(c is >= ' ' and <= '~' ? c : '?');
        if (text.Length > max) builder.Append("…(").Append(text.Length).Append(" chars)");
        return builder.ToString();
    }
}
