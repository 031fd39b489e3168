namespace Kis.Realtime.Internal;

/// <summary>
/// What an order call was, kept with an unknown result so that it can be reconciled later: when it was sent by this
/// machine's clock and, when an earlier answer told it, by the server's (<see cref="ServerClock"/>).
/// </summary>
internal sealed record PendingCall(KisProduct Product, KisOrderRequest? Order, string? Original, bool Cancel, DateTimeOffset LocalSentAt,
    DateTimeOffset? ServerSentAt);
