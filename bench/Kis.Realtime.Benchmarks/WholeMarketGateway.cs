using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.PostgreSql.Internal;
using Kis.Realtime.Gateway.PostgreSql;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>whole-market-gateway KEYS-FILE SUBS-FILE AMQP NAMESPACE WS-URL REST-URL [POSTGRES]</c>: the gateway process of the
/// <c>whole-market</c> harness (<see cref="WholeMarketHarness"/>), one process pooling every key of the keys file
/// (the <c>Kis:Credentials</c> shape <c>kisrt sim --app-keys-file</c> writes) and holding every registration of the subs
/// file (<c>TR:KEY</c> a line, as <c>--sub-file</c>), as <c>kisrt gateway --sub …</c> with one app key would for one. Its own process, so
/// its CPU and memory are its own in <c>/proc</c>. With a PostgreSQL connection string it also runs the history writer
/// (as <c>kisrt gateway --postgres</c>). Prints <c>held N</c> once every registration is held, then a status line a
/// second; ends when its standard input closes.
/// </summary>
internal static class WholeMarketGateway
{
    public static async Task<int> RunAsync(string[] args)
    {
        var keys = SimKeyFile.Read(args[1]);
        var subs = File.ReadAllLines(args[2]).Where(l => l.Length > 0).Select(l => l.Split(':'))
            .Select(p => (Tr: KisTrs.TryGet(p[0], out var tr) ? tr : throw new ArgumentException(p[0]), Key: p[1])).ToList();
        var endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri(args[3]), Namespace = args[4] };
        var client = KisRealtimeOptions.Default with
        {
            Credentials = [.. keys.Select(k => new KisCredential(k.AppKey, k.AppSecret))],
            WebSocketUrl = new Uri(args[5]),
            RestBaseUrl = new Uri(args[6]),
            SubscribePacing = TimeSpan.FromMilliseconds(1),
        };
        KisPostgresStreamWriter? writer = null;
        if (args.Length > 7)
        {
            writer = new KisPostgresStreamWriter(KisPostgresStreamWriterOptions.Default with
                { Endpoint = endpoint, ConnectionString = args[7], Schema = "bench_wm_" + args[4][^8..] });
            await writer.StartAsync(CancellationToken.None);
        }
        var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = client, Endpoint = endpoint, StreamReplicas = BenchBroker.StreamReplicas,
            Sinks = writer is null ? [] : [new GatewayStreamFollower(writer)],
        });
        try
        {
            var started = DateTime.UtcNow;
            // Held a few at a time: each waits for KIS's answer, and the keys answer in parallel.
            await Parallel.ForEachAsync(subs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, keys.Count) },
                async (s, ct) => await gateway.HoldAsync(s.Tr, s.Key, ct));
            Console.WriteLine($"held {subs.Count} in {(DateTime.UtcNow - started).TotalSeconds:0.0} s over {keys.Count} keys");
            // Console.In reads synchronously whatever the method's name: a thread of its own waits for the end of input.
            var stdin = Task.Run(() => Console.In.ReadToEnd());
            while (!stdin.IsCompleted)
            {
                var s = gateway.Status();
                var pg = writer?.Lag();
                Console.WriteLine($"status received {s.Received} confirmed {s.Confirmed} overflowed {s.Overflowed} buffer {s.BufferDepth} " +
                                  $"pg {(pg is null ? "-" : $"lag {pg.Records}")}");
                await Task.WhenAny(stdin, Task.Delay(TimeSpan.FromSeconds(1)));
            }
        }
        finally
        {
            await gateway.DisposeAsync();
            if (writer is not null) await writer.DisposeAsync();
        }
        return 0;
    }
}
