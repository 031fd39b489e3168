using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>A record dropped because its subscription's buffer was full (see <see cref="KisRealtimeOptions.FullMode"/>).</summary>
/// <param name="Tr">The TR of the subscription.</param>
/// <param name="TrKey">The key of the subscription.</param>
/// <param name="DroppedBySubscription">Records this subscription has dropped so far.</param>
public readonly record struct KisDroppedItem(TrDefinition Tr, string TrKey, long DroppedBySubscription);
