using System.CommandLine;
using System.Globalization;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Cli.Commands;

/// <summary>Arguments of <c>kisrt backtest</c>.</summary>
internal sealed record BacktestArgs
{
    /// <summary>A <c>kisrt record --out</c> folder.</summary>
    public string? Replay { get; init; }
    /// <summary>A strategy built into kisrt, by name.</summary>
    public string Strategy { get; init; } = "mean-reversion";
    /// <summary>The stock the strategy trades.</summary>
    public string Code { get; init; } = "005930";
    /// <summary>Where the files go.</summary>
    public string Out { get; init; } = "backtest";
    public TimeSpan Latency { get; init; } = new KisBacktestOptions().Latency;
    public decimal CommissionRate { get; init; } = KisBacktestOptions.DefaultCommissionRate;
    public decimal SellTaxRate { get; init; } = KisBacktestOptions.DefaultSellTaxRate;
    public decimal Cash { get; init; } = new KisBacktestOptions().StartingCash;
}

/// <summary>
/// <c>kisrt backtest</c>: a strategy over a recording on simulated time, matched by the simulator's engine
/// (<see cref="KisBacktest"/>); writes the fills, orders, equity, summary and report into <c>--out</c> and prints the
/// summary. kisrt is published with Native AOT, so it runs the strategies compiled into it (the samples'); a strategy
/// of your own runs through the library entry point in a program of yours.
/// </summary>
internal static class BacktestCommand
{
    /// <summary>The strategies kisrt carries, by name.</summary>
    internal static readonly IReadOnlyDictionary<string, Func<string, Func<IKisRealtimeClient, IKisOrderVenue, CancellationToken, Task>>> Strategies =
        new Dictionary<string, Func<string, Func<IKisRealtimeClient, IKisOrderVenue, CancellationToken, Task>>>(StringComparer.OrdinalIgnoreCase)
        {
            ["mean-reversion"] = code => new MeanReversionStrategy { Code = code }.RunAsync,
        };

    public static Command Create()
    {
        var replay = new Option<string?>("--replay") { Description = "the recording: a `kisrt record --out` folder", Required = true };
        var strategy = new Option<string>("--strategy") { Description = $"the strategy, by name: {string.Join(", ", Strategies.Keys)} " +
            "(samples/Kis.Realtime.Samples)", DefaultValueFactory = _ => "mean-reversion" };
        var code = new Option<string>("--code") { Description = "the stock the strategy trades", DefaultValueFactory = _ => "005930" };
        var output = new Option<string>("--out") { Description = "folder for fills.csv, orders.csv, equity.csv, summary.json, report.html (created)",
            DefaultValueFactory = _ => "backtest" };
        var latency = new Option<string?>("--latency") { Description = "simulated time from an order call to the venue, e.g. 5ms (default), 0s, 100ms" };
        var commission = new Option<decimal?>("--commission-rate") { Description = "commission, a fraction of each fill's value (default " +
            $"{KisBacktestOptions.DefaultCommissionRate.ToString(CultureInfo.InvariantCulture)}: KIS BanKIS online, docs/backtest.md)" };
        var tax = new Option<decimal?>("--sell-tax-rate") { Description = "securities transaction tax on sells, a fraction (default " +
            $"{KisBacktestOptions.DefaultSellTaxRate.ToString(CultureInfo.InvariantCulture)}: KOSPI/KOSDAQ 2026)" };
        var cash = new Option<decimal?>("--cash") { Description = "starting cash, KRW (default 100,000,000)" };
        var command = new Command("backtest",
            "Run a strategy over a recording on simulated time against the simulator's matching engine: fills, orders, summary and an HTML report.")
        {
            replay, strategy, code, output, latency, commission, tax, cash,
        };
        command.SetAction(async (parse, ct) =>
        {
            var args = new BacktestArgs
            {
                Replay = parse.GetValue(replay),
                Strategy = parse.GetValue(strategy) ?? "mean-reversion",
                Code = parse.GetValue(code) ?? "005930",
                Out = parse.GetValue(output) ?? "backtest",
                Latency = parse.GetValue(latency) is { } l ? Duration.Parse(l, "--latency") : new KisBacktestOptions().Latency,
                CommissionRate = parse.GetValue(commission) ?? KisBacktestOptions.DefaultCommissionRate,
                SellTaxRate = parse.GetValue(tax) ?? KisBacktestOptions.DefaultSellTaxRate,
                Cash = parse.GetValue(cash) ?? new KisBacktestOptions().StartingCash,
            };
            return await RunAsync(args, Console.Out, Console.Error, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(BacktestArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(args.Replay) || !Directory.Exists(args.Replay))
            throw new CliUsageException($"--replay: '{args.Replay}' is not a folder (a `kisrt record --out` folder).");
        if (!Strategies.TryGetValue(args.Strategy, out var make))
            throw new CliUsageException($"--strategy: '{args.Strategy}' is not one of kisrt's strategies ({string.Join(", ", Strategies.Keys)}).");
        KisBacktestOptions options;
        try
        {
            options = new KisBacktestOptions { Latency = args.Latency, CommissionRate = args.CommissionRate, SellTaxRate = args.SellTaxRate,
                StartingCash = args.Cash };
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(CliFailures.WithoutParameter(e));
        }
        var daysWithoutRaw = BacktestInput.CheckFolder(args.Replay, out var anyDay);
        foreach (var warning in daysWithoutRaw) await stderr.WriteLineAsync($"kisrt backtest: {warning}");
        if (!anyDay)
            return await FailedAsync(stderr,
                $"no day of {Path.GetFullPath(args.Replay)} can be replayed: `kisrt record --out` writes the raw.log a backtest needs.");
        var recording = new KisRecordingFolder(args.Replay);
        KisBacktestResult result;
        try
        {
            result = await KisBacktest.RunAsync(recording, make(args.Code), options, cancellationToken);
        }
        catch (KisBacktestException e)
        {
            return await FailedAsync(stderr, e.Message);
        }
        // Every line the run could not use, located; a strategy that never saw its code traded nothing it was asked to.
        foreach (var line in BacktestInput.UnusableLines(result.Statistics)) await stderr.WriteLineAsync($"kisrt backtest: warning: {line}");
        if (result.Summary.RepeatedLines > 0)
            await stderr.WriteLineAsync($"kisrt backtest: warning: {result.Summary.RepeatedLines:N0} line(s) repeat the line before them (the same message " +
                "received at the same moment: a doubled recording?); each was skipped, traded once (summary.json: repeated_lines)");
        if (!result.Prices.ContainsKey(args.Code))
            return await FailedAsync(stderr, await BacktestInput.CodeAbsentAsync(args.Code, recording, cancellationToken));
        await result.WriteAsync(args.Out, cancellationToken);
        var s = result.Summary;
        string M(decimal v) => v.ToString("#,##0.##", CultureInfo.InvariantCulture);
        await stdout.WriteLineAsync(
            $"{args.Strategy} on {args.Code} over {recording.Description}: {s.Records:N0} records, latency {FormatLatency(args.Latency)}");
        await stdout.WriteLineAsync($"orders {s.Calls} (refused {s.Refused}), fills {s.FillCount}, turnover {M(s.Turnover)} KRW");
        await stdout.WriteLineAsync($"net P&L {M(s.NetProfitLoss)} KRW (gross {M(s.GrossProfitLoss)}, commission {M(s.Commission)}, tax {M(s.Tax)}), max " +
            $"drawdown {M(s.MaxDrawdown)} KRW ({(s.MaxDrawdownFraction * 100).ToString("0.###", CultureInfo.InvariantCulture)} %)");
        foreach (var i in s.Instruments)
            await stdout.WriteLineAsync($"{i.Code}: tape {i.TapeTrades:N0} trades, {i.TapeVolume:N0} shares, VWAP {M(i.TapeVwap)}; bought {i.Bought:N0} at " +
                $"{M(i.AverageBuy)}, sold {i.Sold:N0} at {M(i.AverageSell)}, held {i.Position:N0}; participation " +
                $"{(i.Participation * 100).ToString("0.####", CultureInfo.InvariantCulture)} %");
        if (s.Calls == 0) await stderr.WriteLineAsync(NoOrderNote(args, s, result.Prices[args.Code].Count));
        if (result.Statistics.Gaps > 0) await stdout.WriteLineAsync(
            $"gaps in the recorded trades: {result.Statistics.Gaps} (missing volume {result.Statistics.MissingVolume:N0})");
        await stdout.WriteLineAsync($"files: {Path.GetFullPath(args.Out)} (fills.csv, orders.csv, equity.csv, summary.json, report.html)");
        if (result.Statistics.DecodeErrors > 0 || daysWithoutRaw.Count > 0)
        {
            await stderr.WriteLineAsync(BacktestInput.PartlyDone(result.Statistics.DecodeErrors, daysWithoutRaw.Count));
            return CliFailures.SomeInputFailed;
        }
        await stderr.WriteLineAsync("kisrt backtest: done");
        return CliFailures.Done;
    }

    /// <summary>Why a run over usable data sent no order: a newcomer's short recording gave "orders 0" and no word why.</summary>
    private static string NoOrderNote(BacktestArgs args, KisBacktestSummary summary, int pricePoints)
    {
        var trades = summary.Instruments.FirstOrDefault(i => i.Code == args.Code)?.TapeTrades;
        var seen = trades is { } n ? $"{n:N0} trades" : $"{pricePoints:N0} seconds of trades";
        var sample = new MeanReversionStrategy();
        var threshold = (sample.Threshold * 100).ToString("0.##", CultureInfo.InvariantCulture);
        var why = args.Strategy.Equals("mean-reversion", StringComparison.OrdinalIgnoreCase)
            ? $"; it waits for {sample.Window} trades, then acts on one {threshold} % from their mean"
            : "";
        return $"kisrt backtest: note: the strategy sent no order over {seen} of {args.Code}{why}. A longer recording gives it more " +
            "(recording the simulator: `kisrt record --sub stock:CODE --sub book:CODE --sim-pace 200`).";
    }

    private static async Task<int> FailedAsync(TextWriter stderr, string why)
    {
        await stderr.WriteLineAsync($"kisrt backtest: {why}");
        await stderr.WriteLineAsync("kisrt backtest: failed");
        return CliFailures.RunFailed;
    }

    private static string FormatLatency(TimeSpan latency) => $"{latency.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms";
}
