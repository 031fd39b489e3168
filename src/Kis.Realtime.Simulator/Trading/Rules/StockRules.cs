using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Core;

namespace Kis.Realtime.Simulator.Trading.Rules;

/// <summary>
/// KRX stock cash orders: KRX's hours and listed stocks; the day ends after the closing auction. The tick bands, daily
/// limits, per-order caps and money checks are the venue core's <see cref="PreTradeCheck"/> (the backtest's too).
/// </summary>
internal sealed class StockRules : ProductRules
{
    /// <summary>Most shares one stock order may carry (the simulator's cap; KRX caps an order at under 5 % of the listed
    /// shares, which the simulator does not model).</summary>
    public const long MaxStockQuantity = PreTradeCheck.MaxStockQuantity;

    /// <summary>Most KRW one stock order may be worth (quantity × price, or the upper limit for a market order).</summary>
    public const long MaxStockOrderValue = PreTradeCheck.MaxStockOrderValue;

    public override bool IsDerivative => false;
    public override bool HasClosingAuction => true;

    public override PaperResult Closed() => Refused(PreTradeCheck.MarketClosed(derivative: false))!;

    public override PaperResult? UnknownInstrument(string code) => InstrumentMaster.IsListedStock(code) ? null : UnknownStock(code);

    /// <summary>The refusal of a stock code the instrument master does not list.</summary>
    public static PaperResult UnknownStock(string code)
        => PaperResult.Refuse("APBK1680", $"해당 종목정보가 없습니다. (no listed stock {code})");
}
