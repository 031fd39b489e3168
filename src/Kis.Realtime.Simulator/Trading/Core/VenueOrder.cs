using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Ledger;

namespace Kis.Realtime.Simulator.Trading.Core;

/// <summary>
/// One order as the venue core keeps it, on paper and in a backtest alike (an amendment or a cancel is an order of its
/// own pointing at its original): its terms, what is left, filled and cancelled, and its costs so far. Prices are
/// whole KRW for a stock, hundredths of a point for futures/options; a market order's <see cref="LimitPrice"/> is 0.
/// The account's <see cref="Ledger"/> holds and settles it. Changed only through <see cref="VenueCore"/>.
/// </summary>
internal class VenueOrder(long number, long original, string code, bool buy, OrderKind kind, long limitPrice, long quantity, bool derivative,
    LedgerAccount ledger)
{
    public long Number { get; } = number;
    public long Original { get; } = original;
    public string Code { get; } = code;
    public bool Buy { get; } = buy;
    public OrderKind Kind { get; } = kind;
    public bool IsMarket => Kind == OrderKind.Market;
    public long LimitPrice { get; } = kind == OrderKind.Market ? 0 : limitPrice;
    public long Quantity { get; } = quantity;

    /// <summary>A futures/options order (<see cref="Rules.FuturesOptionRules"/>): prices in hundredths, signed positions, margin.</summary>
    public bool Derivative { get; } = derivative;

    /// <summary>The account's ledger: what the order holds and where its fills settle.</summary>
    public LedgerAccount Ledger { get; } = ledger;

    /// <summary>What an open buy holds per share: its limit, or the day's upper limit for a market order.</summary>
    public long ReservePrice { get; init; } = limitPrice;

    /// <summary>When what is left of the order expires (<see cref="VenueCore.ExpireDue"/>): the end of its day's order hours
    /// for its market, which its driver sets from the market's hours (<c>TradingHours.OrderHoursEnd</c>). Never for an
    /// order that does not rest (a cancel's own).</summary>
    public DateTime ExpiresAt { get; init; } = DateTime.MaxValue;

    /// <summary>The order as the ledger holds and settles it.</summary>
    public LedgerOrderTerms Terms => new(Code, Derivative, Buy, IsMarket, LimitPrice, ReservePrice);

    // What is left, filled and cancelled, and the costs: changed only by the core's settlement (the methods below,
    // which VenueCore calls) or restored from the paper venue's state file.
    public long Remaining { get; private set; } = quantity;
    public long Filled { get; private set; }
    public long FilledValue { get; private set; }

    /// <summary>What left the order unfilled: amended away, cancelled or expired.</summary>
    public long Cancelled { get; private set; }

    /// <summary>Out of the book for good (filled, cancelled, amended in full, expired).</summary>
    public bool Closed { get; private set; }

    /// <summary>The commission and tax of the order's fills so far (KRW, exact: <see cref="TradingCosts"/>).</summary>
    public decimal Commission { get; private set; }
    public decimal Tax { get; private set; }

    /// <summary>A fill (<see cref="VenueCore"/> only, after its checks): what it took, at what price and cost.</summary>
    internal void Settle(long quantity, long price, decimal commission, decimal tax)
    {
        Remaining -= quantity;
        Filled += quantity;
        FilledValue += checked(quantity * price);
        Commission += commission;
        Tax += tax;
        if (Remaining == 0) Closed = true;
    }

    /// <summary><paramref name="quantity"/> of what is left goes unfilled (<see cref="VenueCore"/> only).</summary>
    internal void TakeOff(long quantity)
    {
        Remaining -= quantity;
        Cancelled += quantity;
    }

    /// <summary>Out of the book for good (<see cref="VenueCore"/> only).</summary>
    internal void Close() => Closed = true;

    /// <summary>The order as the paper venue's state file kept it (a restart).</summary>
    internal void Restore(long remaining, long filled, long filledValue, long cancelled, bool closed, decimal commission, decimal tax)
        => (Remaining, Filled, FilledValue, Cancelled, Closed, Commission, Tax) = (remaining, filled, filledValue, cancelled, closed, commission, tax);
}

/// <summary>
/// The one rule of an average price both venues report (issue 73): an order's average fill price and a position's
/// average cost, in the unit shown (KRW for a stock, points for futures/options), the exact average rounded to 4
/// decimals, as KIS writes <c>pchs_avg_pric</c>. Paper's inquiries write it, the backtest's answer it.
/// </summary>
internal static class AveragePrice
{
    /// <summary><paramref name="total"/> (in the unit shown) over <paramref name="quantity"/> (0: none yet), to 4 decimals.</summary>
    public static decimal Of(decimal total, long quantity)
        => quantity == 0 ? 0 : decimal.Round(total / Math.Abs(quantity), 4, MidpointRounding.AwayFromZero);

    /// <summary>As KIS's stock order inquiry writes it (<c>avg_prvs</c>): its decimals, none for a whole number.</summary>
    public static string Text(decimal average) => average.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}
