namespace Kis.Realtime;

/// <summary>
/// A typed record with the moment it arrived from KIS (<see cref="IKisRealtimeClient.SubscribeReceivedAsync{T}"/>): a
/// recording, the gateway and PostgreSQL history keep the original receive time. Trades without a date on the wire
/// (index ticks, futures, options) are dated from it when bars are built
/// (<see cref="BarAggregator{TTrade, TAccessor}.AddAllReceivedAsync"/>).
/// </summary>
/// <typeparam name="T">The typed view.</typeparam>
/// <param name="Value">The record.</param>
/// <param name="ReceivedAt">When its frame arrived from KIS (UTC).</param>
public readonly record struct KisReceived<T>(T Value, DateTimeOffset ReceivedAt) where T : struct;
