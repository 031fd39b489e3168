using Kis.Realtime.Simulator.Market;
using static Kis.Realtime.Protocol.FieldSeparators;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>H0STCNT0's price, change, volume and side, parsed where they lie (the fields StockTrade's properties read):
/// what the venue needs of a KRX trade, without a whole StockTrade decode.</summary>
internal static class TradeFields
{
    private static readonly int Price = FieldRoles.FieldOf(KisTrs.H0STCNT0, nameof(Realtime.StockTrade.Price)),
        Change = FieldRoles.FieldOf(KisTrs.H0STCNT0, nameof(Realtime.StockTrade.Change)),
        Volume = FieldRoles.FieldOf(KisTrs.H0STCNT0, nameof(Realtime.StockTrade.Volume)),
        Side = FieldRoles.FieldOf(KisTrs.H0STCNT0, nameof(Realtime.StockTrade.Side));
    private static readonly int Last = Math.Max(Math.Max(Price, Change), Math.Max(Volume, Side));

    /// <summary>Field ends to find in a trade: as far as these four and the gap check's fields lie.</summary>
    public static readonly int EndsRead = Math.Max(Last + 1, Kis.Realtime.Internal.TradeVolumeFields.For(KisTrs.H0STCNT0)?.EndsRead ?? 0);

    /// <summary>The four fields of a trade; <see cref="Valid"/> false when they do not parse or the price is not above 0.</summary>
    public readonly record struct Values(bool Valid, long Price, long Change, long Volume, TradeSide Side);

    /// <summary>The four fields, from the record's field ends (<see cref="FieldSeparators.FieldEnds"/>, as many as found).</summary>
    public static Values Read(ReadOnlySpan<byte> record, ReadOnlySpan<int> ends)
    {
        if (ends.Length <= Last) return default;
        var sideField = Field(record, ends, Side);
        var side = sideField.Length == 1
            ? sideField[0] switch { (byte)'1' => TradeSide.Buy, (byte)'3' => TradeSide.PreOpen, (byte)'5' => TradeSide.Sell, _ => TradeSide.Unknown }
            : TradeSide.Unknown;
        var valid = System.Buffers.Text.Utf8Parser.TryParse(Field(record, ends, Price), out long price, out _)
                    & System.Buffers.Text.Utf8Parser.TryParse(Field(record, ends, Change), out long change, out _)
                    & System.Buffers.Text.Utf8Parser.TryParse(Field(record, ends, Volume), out long volume, out _)
                    && price > 0;
        return new Values(valid, price, change, volume, side);
    }
}
