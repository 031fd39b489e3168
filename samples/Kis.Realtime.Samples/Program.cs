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
using System.Globalization;
using Kis.Realtime;
using Kis.Realtime.Gateway;
using Kis.Realtime.PostgreSql;
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
