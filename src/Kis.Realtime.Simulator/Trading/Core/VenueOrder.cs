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

    /// <summary>The order as the ledger holds and settles it.</summary>
    public LedgerOrderTerms Terms => new(Code, Derivative, Buy, IsMarket, LimitPrice, ReservePrice);

    public long Remaining { get; set; } = quantity;
    public long Filled { get; set; }
    public long FilledValue { get; set; }
    public long Cancelled { get; set; }

    /// <summary>Out of the book for good (filled, cancelled, amended in full, expired).</summary>
    public bool Closed { get; set; }

    /// <summary>The commission and tax of the order's fills so far (KRW, exact: <see cref="KisTradingCosts"/>).</summary>
    public decimal Commission { get; set; }
    public decimal Tax { get; set; }
}
