// One program, three sources: the same loop reads a stock's trades from a direct KIS session (or the simulator),
// through a running `kisrt gateway`, or from a recording (`kisrt record` folder or the PostgreSQL history). Only
// configuration differs (appsettings.json, environment variables, or --Key=value on the command line):
//
//   Source=Direct   Kis:AppKey, Kis:AppSecret (KIS), or Kis:WebSocketUrl + Kis:RestBaseUrl for another server
//   Source=Gateway  Gateway:Uri (default amqp://guest:guest@127.0.0.1:5672/), Gateway:Namespace (default kis),
//                   Gateway:FromStart=true to read the stream from its first record
//   Source=Replay   Replay:Folder (a `kisrt record --out` folder) or Replay:Postgres (a connection string),
//                   Replay:Speed (absent: as fast as possible), Replay:From / Replay:To (ISO times)
//
// Output: one line per trade (KST time, price, volume, cumulative volume), then a summary. Stock (default 005930)
// and Count (stop after that many trades; absent: until Ctrl+C or the end of a recording) apply to every source.
//
// Strategy=mean-reversion runs MeanReversionStrategy.cs instead, unchanged on three venues (Venue=...):
//   Venue=Backtest  over Replay:Folder on simulated time (KisBacktest); files into Out (default backtest)
//   Venue=Paper     against a running `kisrt sim`: Kis:WebSocketUrl and Kis:RestBaseUrl as it prints them (its
//                   default credentials, HTS ID and account 50123456-01 unless Kis:AppKey… are given)
//   Venue=Kis       against KIS: Kis:AppKey, Kis:AppSecret, Kis:HtsId, Orders:Account (Kis:Environment=paper for
//                   KIS's paper server); until Ctrl+C
using System.Globalization;
using Kis.Realtime;
using Kis.Realtime.Gateway;
using Kis.Realtime.PostgreSql;
using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Configuration;

var config = new ConfigurationBuilder()
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables()
    .AddCommandLine(args)
    .Build();
var stock = config["Stock"] ?? "005930";
long? count = config["Count"] is { } c ? long.Parse(c, CultureInfo.InvariantCulture) : null;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

if (config["Strategy"] is { } strategyName)
{
    if (!strategyName.Equals("mean-reversion", StringComparison.OrdinalIgnoreCase)) throw new InvalidOperationException(
        $"Strategy '{strategyName}' is not mean-reversion.");
    var strategy = new MeanReversionStrategy { Code = stock };
    var venue = (config["Venue"] ?? "Backtest").ToLowerInvariant();
    if (venue == "backtest")
    {
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(config["Replay:Folder"] ?? throw Missing("Replay:Folder")), strategy.RunAsync,
            cancellationToken: stop.Token);
        await result.WriteAsync(config["Out"] ?? "backtest");
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Orders.Count} orders, {result.Fills.Count} fills, net P&L {result.Summary.NetProfitLoss:N0} KRW; files in " +
            $"{config["Out"] ?? "backtest"}"));
        return;
    }
    if (venue is not ("paper" or "kis")) throw new InvalidOperationException($"Venue '{venue}' is not Backtest, Paper or Kis.");
    var paper = venue == "paper";
    var credential = new KisCredential(config["Kis:AppKey"] ?? (paper ? SimulatorOptions.DefaultAppKey : throw Missing("Kis:AppKey")),
        config["Kis:AppSecret"] ?? (paper ? SimulatorOptions.DefaultAppSecret : throw Missing("Kis:AppSecret")));
    var environment = config["Kis:Environment"] == "paper" ? KisEnvironment.Paper : KisEnvironment.Real;
    Uri? rest = config["Kis:RestBaseUrl"] is { } restUrl ? new Uri(restUrl) : paper ? throw Missing("Kis:RestBaseUrl") : null;
    await using var data = new KisRealtimeClient(KisRealtimeOptions.Default with
    {
        Credentials = [credential], Environment = environment,
        HtsId = config["Kis:HtsId"] ?? (paper ? SimulatorOptions.DefaultHtsId : throw Missing("Kis:HtsId")),
        WebSocketUrl = config["Kis:WebSocketUrl"] is { } wsUrl ? new Uri(wsUrl) : paper ? throw Missing("Kis:WebSocketUrl") : null,
        RestBaseUrl = rest,
    });
    using var orders = new KisOrderClient(new KisOrderOptions
    {
        Credential = credential, Environment = environment, RestBaseUrl = rest,
        Account = KisAccount.Parse(config["Orders:Account"] ?? (paper ? "50123456-01" : throw Missing("Orders:Account"))),
        // At KIS: the account's order journal, shared with kisrt order and every run (a simulator's orders last its run only).
        JournalFolder = config["Orders:JournalFolder"] ?? (paper ? null : KisOrderOptions.DefaultJournalFolder),
    });
    foreach (var earlier in await orders.ReconcileJournalAsync(stop.Token))
        Console.Error.WriteLine($"an earlier run's order: {earlier}"); // settled before this run sends anything
    await strategy.RunAsync(data, orders, stop.Token);
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{strategy.Sent.Count} orders sent, {strategy.Results.Count(r => r.IsAccepted)} accepted"));
    return;
}

await using IKisRealtimeClient kis = CreateClient(config);
long trades = 0, volume = 0;
decimal value = 0;
try
{
    await foreach (var trade in kis.SubscribeStockTradesAsync(stock, cancellationToken: stop.Token))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{trade.Time:HH:mm:ss} {trade.Price} {trade.Volume} {trade.CumulativeVolume}"));
        trades++;
        volume += trade.Volume;
        value += trade.Price * trade.Volume;
        if (trades == count) break;
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    // Ctrl+C: leaving the loop ended the subscription.
}
Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{stock}: {trades} trades, volume {volume}, VWAP {(volume == 0 ? 0 : value / volume):F2}, source {config["Source"] ?? "Direct"}"));

static IKisRealtimeClient CreateClient(IConfiguration config) => (config["Source"] ?? "Direct").ToLowerInvariant() switch
{
    "direct" => new KisRealtimeClient(KisRealtimeOptions.Default with
    {
        Credentials = [new KisCredential(config["Kis:AppKey"] ?? throw Missing("Kis:AppKey"), config["Kis:AppSecret"] ?? throw Missing("Kis:AppSecret"))],
        WebSocketUrl = config["Kis:WebSocketUrl"] is { } ws ? new Uri(ws) : null,
        RestBaseUrl = config["Kis:RestBaseUrl"] is { } rest ? new Uri(rest) : null,
    }),
    "gateway" => new KisGatewayClient(KisGatewayClientOptions.Default with
    {
        Endpoint = KisGatewayEndpoint.Default with
        {
            AmqpUri = config["Gateway:Uri"] is { } uri ? new Uri(uri) : KisGatewayEndpoint.Default.AmqpUri,
            Namespace = config["Gateway:Namespace"] ?? KisGatewayEndpoint.Default.Namespace,
        },
        Start = config["Gateway:FromStart"] == "true" ? GatewayStart.First : GatewayStart.Live,
    }),
    "replay" => new KisReplayClient(
        config["Replay:Folder"] is { } folder ? new KisRecordingFolder(folder)
        : config["Replay:Postgres"] is { } connection ? new KisPostgresHistory(KisPostgresHistoryOptions.Default with { ConnectionString = connection })
        : throw Missing("Replay:Folder or Replay:Postgres"),
        KisReplayOptions.Default with
        {
            Speed = config["Replay:Speed"] is { } speed ? double.Parse(speed, CultureInfo.InvariantCulture) : null,
            From = config["Replay:From"] is { } from ? DateTimeOffset.Parse(from, CultureInfo.InvariantCulture) : null,
            To = config["Replay:To"] is { } to ? DateTimeOffset.Parse(to, CultureInfo.InvariantCulture) : null,
        }),
    var other => throw new InvalidOperationException($"Source '{other}' is not Direct, Gateway or Replay."),
};

static InvalidOperationException Missing(string key) => new($"Set {key} (appsettings.json, environment variable with __ for :, or --{key}=...).");
