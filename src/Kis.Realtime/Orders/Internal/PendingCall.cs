namespace Kis.Realtime.Internal;

/// <summary>
/// What an order call was, kept with an unknown result so that it can be reconciled later, and when it last left: by
/// this machine's clock, and the latest server time the answers had told by then (<see cref="ServerClock.Latest"/>).
/// Stamped by the sending call before its request goes; read after it returned.
/// </summary>
internal sealed class PendingCall(KisProduct product, KisOrderRequest? order, string? original, bool cancel, string? id = null)
{
    /// <summary>Names the call in the order journal (<see cref="OrderClaims"/>), across handles and runs.</summary>
    public string Id { get; } = id ?? Guid.NewGuid().ToString("N");

    public KisProduct Product { get; } = product;
    public KisOrderRequest? Order { get; } = order;
    public string? Original { get; } = original;
    public bool Cancel { get; } = cancel;

    /// <summary>This machine's time when the request last left; null before it did.</summary>
    public DateTimeOffset? LocalSentAt { get; private set; }

    /// <summary>The latest server time seen before the request last left: the server stamped it at or after this.</summary>
    public DateTimeOffset? ServerFloor { get; private set; }

    public void MarkSent(DateTimeOffset local, DateTimeOffset? serverFloor) => (LocalSentAt, ServerFloor) = (local, serverFloor);
}
