namespace Kis.Realtime.Internal;

/// <summary>What an order call was, kept with an unknown result so that it can be reconciled later.</summary>
internal sealed record PendingCall(KisProduct Product, KisOrderRequest? Order, string? Original, bool Cancel, TimeOnly SentAfter);
