namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// A fill as the venue keeps it for the day (<see cref="ChunkedSeries{T}"/>): a <see cref="KisBacktestFill"/> with its
/// order's number as a number, made into the public record (and its padded string) only when the result is read.
/// </summary>
internal readonly record struct BacktestFillRow(long Sequence, DateTimeOffset Time, long OrderNumber, string Code, OrderSide Side, long Quantity,
    decimal Price, decimal Commission, decimal Tax, string Liquidity, decimal Cash, long Position)
{
    public KisBacktestFill ToFill() =>
        new(Sequence, Time, BacktestNotices.Pad(OrderNumber, 10), Code, Side, Quantity, Price, Commission, Tax, Liquidity, Cash, Position);
}
