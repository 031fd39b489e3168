using Kis.Realtime.Simulator.Backtest;

namespace Kis.Realtime.Simulator;

/// <summary>
/// What a backtest gives: every order call and fill, the equity curve and the summary; <see cref="WriteAsync"/> puts
/// them in a folder (fills.csv, orders.csv, equity.csv, summary.json, report.html), the same bytes for the same run.
/// </summary>
public sealed class KisBacktestResult
{
    internal KisBacktestResult(KisBacktestOptions options, IReadOnlyList<KisBacktestOrder> orders, int refused, IReadOnlyList<BacktestFillRow> fills,
        IReadOnlyList<(DateTimeOffset Time, decimal Equity)> equity,
        Dictionary<string, ChunkedSeries<(DateTimeOffset Time, long Price, long Low, long High)>> prices,
        IReadOnlyList<BacktestInstrument> instruments,
        KisRealtimeStatistics statistics, long records, long repeatedLines)
    {
        Options = options;
        Orders = orders;
        Fills = new ProjectedList<BacktestFillRow, KisBacktestFill>(fills, static f => f.ToFill());
        Statistics = statistics;
        EquityCurve = equity; // the driver's, which is done with it: not copied
        // The driver keeps futures/options prices in hundredths, as the venue does: points here, each made when read.
        var derivatives = instruments.Where(i => i.Derivative).Select(i => i.Code).ToHashSet(StringComparer.Ordinal);
        Prices = prices.ToDictionary(p => p.Key, p =>
        {
            var scale = derivatives.Contains(p.Key) ? 100m : 1m;
            return (IReadOnlyList<(DateTimeOffset, decimal)>)
                new ProjectedList<(DateTimeOffset Time, long Price, long Low, long High), (DateTimeOffset, decimal)>(
                    p.Value.Prefix(), point => (point.Time, point.Price / scale));
        }, StringComparer.Ordinal);
        PriceRanges = prices.ToDictionary(p => p.Key, p =>
        {
            var scale = derivatives.Contains(p.Key) ? 100m : 1m;
            return (IReadOnlyList<(DateTimeOffset, decimal, decimal, decimal)>)
                new ProjectedList<(DateTimeOffset Time, long Price, long Low, long High), (DateTimeOffset, decimal, decimal, decimal)>(
                    p.Value.Prefix(), point => (point.Time, point.Price / scale, point.Low / scale, point.High / scale));
        }, StringComparer.Ordinal);
        Summary = BacktestSummaries.Of(options, orders.Count, refused, fills, EquityCurve, instruments, records) with { RepeatedLines = repeatedLines };
    }

    /// <summary>The options it ran with.</summary>
    public KisBacktestOptions Options { get; }

    /// <summary>Every order call of the strategy, in the order it made them (each record made when read: the run kept rows).</summary>
    public IReadOnlyList<KisBacktestOrder> Orders { get; }

    /// <summary>Every fill, in the order they happened (each record made when read: the run kept rows).</summary>
    public IReadOnlyList<KisBacktestFill> Fills { get; }

    /// <summary>The account's value (cash plus positions at their last trade) over simulated time: a point a second while a followed stock trades, and one
    /// after each fill.</summary>
    public IReadOnlyList<(DateTimeOffset Time, decimal Equity)> EquityCurve { get; }

    /// <summary>Each followed instrument's last trade price (KRW; points for futures/options), a point a second (each made when read).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<(DateTimeOffset Time, decimal Price)>> Prices { get; }

    /// <summary>Each followed instrument's seconds as the report draws them: the last trade with the second's lowest and highest.</summary>
    internal IReadOnlyDictionary<string, IReadOnlyList<(DateTimeOffset Time, decimal Last, decimal Low, decimal High)>> PriceRanges { get; }

    /// <summary>The figures: P&amp;L, costs, turnover, drawdown, fills against the tape.</summary>
    public KisBacktestSummary Summary { get; }

    /// <summary>The strategy's client's counters (records delivered, gaps found in the recorded trades).</summary>
    public KisRealtimeStatistics Statistics { get; }

    /// <summary>Writes fills.csv, orders.csv, equity.csv, summary.json and report.html into <paramref name="directory"/> (created if missing).</summary>
    public Task WriteAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return BacktestFiles.WriteAsync(this, directory, cancellationToken);
    }
}

/// <summary>A backtest's figures. Money in KRW; the rates are fractions.</summary>
public sealed record KisBacktestSummary
{
    /// <summary>Cash at the start.</summary>
    public decimal StartingCash { get; init; }
    /// <summary>Cash at the end.</summary>
    public decimal EndingCash { get; init; }
    /// <summary>Cash plus the positions left, each at its last trade price.</summary>
    public decimal EndingEquity { get; init; }
    /// <summary>EndingEquity − StartingCash: after costs.</summary>
    public decimal NetProfitLoss { get; init; }
    /// <summary>Before costs: NetProfitLoss + Commission + Tax.</summary>
    public decimal GrossProfitLoss { get; init; }
    /// <summary>Commission paid.</summary>
    public decimal Commission { get; init; }
    /// <summary>Securities transaction tax paid.</summary>
    public decimal Tax { get; init; }
    /// <summary>The value of every fill, buys and sells (futures/options: contracts × price × multiplier).</summary>
    public decimal Turnover { get; init; }
    /// <summary>The largest fall of the equity curve from a previous high.</summary>
    public decimal MaxDrawdown { get; init; }
    /// <summary>That fall as a fraction of the high it fell from.</summary>
    public decimal MaxDrawdownFraction { get; init; }
    /// <summary>Order calls (place, amend, cancel).</summary>
    public int Calls { get; init; }
    /// <summary>Calls the venue refused.</summary>
    public int Refused { get; init; }
    /// <summary>Fills.</summary>
    public int FillCount { get; init; }
    /// <summary>Records read from the recording.</summary>
    public long Records { get; init; }
    /// <summary>Recorded lines skipped as repeats: the same message, received at the same moment, as the line before it
    /// (a recording doubled by a copy). Never traded twice, never given to the strategy twice.</summary>
    public long RepeatedLines { get; init; }
    /// <summary>Per stock the strategy followed or ordered.</summary>
    public IReadOnlyList<KisBacktestInstrument> Instruments { get; init; } = [];
}

/// <summary>One stock, future or option of a backtest: the tape's totals beside the strategy's fills (fills vs the tape).</summary>
/// <param name="Code">The stock code, or the futures/options short code.</param>
/// <param name="LastPrice">The last trade price (KRW; points for futures/options): what positions left are valued at.</param>
/// <param name="Position">Shares held at the end (contracts for futures/options, below 0 when short).</param>
/// <param name="TapeTrades">KRX trades in the recording (from the moment the backtest followed the stock).</param>
/// <param name="TapeVolume">Their volume.</param>
/// <param name="TapeVwap">Their volume-weighted average price.</param>
/// <param name="Bought">Shares the strategy bought.</param>
/// <param name="AverageBuy">Their average price (0 without any).</param>
/// <param name="Sold">Shares the strategy sold.</param>
/// <param name="AverageSell">Their average price (0 without any).</param>
/// <param name="Participation">(Bought + Sold) ÷ TapeVolume.</param>
/// <param name="Product">Stock, or futures/options.</param>
/// <param name="Multiplier">KRW a point of one contract (KOSPI200 250,000, mini KOSPI200 50,000, KOSDAQ150 10,000); 1 for a stock.</param>
public sealed record KisBacktestInstrument(string Code, decimal LastPrice, long Position, long TapeTrades, long TapeVolume, decimal TapeVwap,
    long Bought, decimal AverageBuy, long Sold, decimal AverageSell, decimal Participation, KisProduct Product, long Multiplier);
