using Kis.Realtime.Internal;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>Reads a trade's volume and the cumulative volume after it from a raw record, for the TRs whose view has them.</summary>
internal static class TradeVolumes
{
    public static bool TryRead(string trId, ReadOnlySpan<byte> body, out TradeVolume trade)
    {
        trade = new TradeVolume(0, -1, null, default, "");
        if (!KisTrs.TryGet(trId, out var tr)) return false;
        if (Try<StockTrade, StockTradeAccessor>(tr, body, ref trade)) return trade.Accumulated >= 0;
        if (Try<IndexTick, IndexTickAccessor>(tr, body, ref trade)) return trade.Accumulated >= 0;
        if (Try<FuturesTrade, FuturesTradeAccessor>(tr, body, ref trade)) return trade.Accumulated >= 0;
        if (Try<OptionsTrade, OptionsTradeAccessor>(tr, body, ref trade)) return trade.Accumulated >= 0;
        if (Try<OverseasStockTrade, OverseasStockTradeAccessor>(tr, body, ref trade)) return trade.Accumulated >= 0;
        return false;
    }

    /// <summary>What the gap marker reads of a trade: its volume, the cumulative volume after it, its KST stamp, its key.</summary>
    public readonly record struct TradeVolume(long Volume, long Accumulated, DateOnly? Date, TimeOnly Time, string Key);

    private static bool Try<T, TAccessor>(Protocol.TrDefinition tr, ReadOnlySpan<byte> body, ref TradeVolume trade)
        where T : struct, IKisRecord<T>
        where TAccessor : ITradeAccessor<T>
    {
        if (!T.Trs.Contains(tr) || !T.TryDecode(tr, body, out var value, out _) || !TAccessor.IsTrade(value)) return false;
        trade = new TradeVolume(TAccessor.Volume(value), TAccessor.CumulativeVolume(value), TAccessor.Date(value), TAccessor.Time(value), TAccessor.Key(value));
        return true;
    }

    /// <summary>
    /// Volume missed between two trades (before, then after, each with the time the gateway received it), by the same
    /// rule as <see cref="GapDetector"/> (<see cref="CumulativeVolumeRule"/>, trading days by the market's
    /// <see cref="MarketCalendar"/>): a later trading day counts from 0, a lower figure within a day is a repeated
    /// record (nothing missed), not a new day. Null when not told.
    /// </summary>
    public static long? Missed(string trId, byte[]? before, DateTimeOffset beforeReceivedAt, ReadOnlySpan<byte> after, DateTimeOffset afterReceivedAt)
    {
        if (before is null || !TryRead(trId, before, out var first) || !TryRead(trId, after, out var next)) return null;
        var calendar = MarketCalendar.For(trId, next.Key);
        var missed = CumulativeVolumeRule.Missing(first.Accumulated, calendar.TradingDayNumber(StampedAt(first, beforeReceivedAt)), next.Accumulated,
            next.Volume, calendar.TradingDayNumber(StampedAt(next, afterReceivedAt)), out _);
        return Math.Max(0, missed);
    }

    /// <summary>The trade's KST stamp as UTC ticks when it carries a date; else when the gateway received it.</summary>
    private static long StampedAt(in TradeVolume trade, DateTimeOffset receivedAt) => trade.Date is { } date
        ? MarketCalendar.KstToUtc(date.DayNumber * TimeSpan.TicksPerDay + trade.Time.Ticks)
        : receivedAt.UtcTicks;
}
