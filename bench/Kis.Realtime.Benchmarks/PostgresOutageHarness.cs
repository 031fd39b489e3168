using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kis.Realtime.Gateway.PostgreSql.Internal;
using Kis.Realtime.Gateway.PostgreSql;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Npgsql;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- pg-outage [outage seconds] [records/s] [keys]</c>
/// (default 60 s, 10,000 records/s, 10 keys of H0UPCNT0): simulator → gateway → the real RabbitMQ of
/// <c>scripts/services.sh</c> → the in-process <see cref="KisPostgresStreamWriter"/> (as <c>kisrt gateway --postgres</c>)
/// → a TCP proxy → the real PostgreSQL. After 10 s of flow the proxy refuses and resets every connection for the
/// outage, then lets them through again. Reports records received, rows stored, gaps, the time to the first commit after
/// the database's return and to catching up, and the process's peak memory. Not in CI: it runs for minutes.
/// </summary>
public static class PostgresOutageHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var outage = TimeSpan.FromSeconds(args.Length > 1 && double.TryParse(args[1], out var o) ? o : 60);
        var rate = args.Length > 2 && double.TryParse(args[2], out var r) ? r : 10_000;
        var keys = args.Length > 3 && int.TryParse(args[3], out var k) ? k : 10;
        var amqp = Environment.GetEnvironmentVariable("KISRT_BENCH_AMQP") is { Length: > 0 } a ? a : "amqp://guest:guest@127.0.0.1:5672/";
        var pg = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("KISRT_BENCH_POSTGRES") is { Length: > 0 } p ? p
            : "Host=127.0.0.1;Port=5432;Username=kisrt;Password=kisrt;Database=kisrt");
        var id = Guid.NewGuid().ToString("N")[..8];
        var endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri(amqp), Namespace = "bench-pg-" + id };
        var schema = "bench_pg_" + id;
        using var proxy = new Proxy(pg.Host!, pg.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 3 }.ConnectionString;

        await using var writer = new KisPostgresStreamWriter(KisPostgresStreamWriterOptions.Default
            with { Endpoint = endpoint, ConnectionString = throughProxy, Schema = schema });
        await writer.StartAsync(CancellationToken.None);
        var sink = new GatewayStreamFollower(writer);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(rate / keys) });
        var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default
            with { Client = EndToEndHarness.ClientOptions(sim), Endpoint = endpoint, Sinks = [sink] });
        var clock = Stopwatch.StartNew();
        long peakManaged = 0;
        using var sampler = new Timer(_ => InterlockedMax(ref peakManaged, GC.GetTotalMemory(false)), null, 0, 200);
        try
        {
            for (var i = 1; i <= keys; i++) await gateway.HoldAsync(KisTrs.IndexTicks, $"{i:D4}", CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(10)); // flowing, stored as it comes
            var before = sink.Status();
            Console.WriteLine($"pg-outage: {Line(gateway, sink)} — database cut for {outage.TotalSeconds:0} s");
            proxy.Cut();
            await Task.Delay(outage);
            var atReturn = sink.Status();
            var receivedInOutage = atReturn.Received - before.Received;
            proxy.Resume();
            var back = Stopwatch.StartNew();
            TimeSpan? firstCommit = null, caughtUp = null;
            while (back.Elapsed < TimeSpan.FromMinutes(5))
            {
                var s = sink.Status();
                if (firstCommit is null && s.Committed > atReturn.Committed) firstCommit = back.Elapsed;
                if (s.Committed >= gateway.Status().Confirmed - (long)(rate / 10)) { caughtUp = back.Elapsed; break; } // within 0.1 s of the feed
                await Task.Delay(20);
            }
            Console.WriteLine($"pg-outage: back; first commit after {firstCommit?.TotalSeconds:0.00} s, caught up after {caughtUp?.TotalSeconds:0.0} s " +
                              $"({receivedInOutage:N0} records arrived during the outage)");
            await Task.Delay(TimeSpan.FromSeconds(5));
            await gateway.WaitForConfirmsAsync(TimeSpan.FromSeconds(10));
            await gateway.DisposeAsync(); // no more records: the writer finishes what the streams hold
            var end = gateway.Status();
            while (sink.Status().Committed < end.Confirmed && back.Elapsed < TimeSpan.FromMinutes(6)) await Task.Delay(50);
            var elapsed = clock.Elapsed;

            // The table against the stream: per key seq 1 … n each once, n summing to every record the stream confirmed; no gap.
            await using var db = NpgsqlDataSource.Create(pg.ConnectionString);
            var perKey = new Dictionary<string, (long Count, long Distinct, long Min, long Max)>();
            await using (var command = db.CreateCommand(
                $"SELECT tr_key, count(*), count(DISTINCT source_seq), min(source_seq), max(source_seq) FROM \"{schema}\".raw_messages GROUP BY tr_key"))
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync()) perKey[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
            await using var gapsCommand = db.CreateCommand($"SELECT count(*) FROM \"{schema}\".gaps");
            var gaps = (long)(await gapsCommand.ExecuteScalarAsync())!;
            var rows = perKey.Values.Sum(v => v.Count);
            var exact = perKey.Count == keys && perKey.Values.All(v => v.Count == v.Distinct && v.Min == 1 && v.Max == v.Count) && rows == end.Confirmed;
            var streams = writer.Status();
            Console.WriteLine($"pg-outage: {elapsed.TotalSeconds:0} s, outage {outage.TotalSeconds:0} s at {rate:N0} records/s asked: " +
                              $"gateway received {end.Received:N0}, " +
                              $"confirmed {end.Confirmed:N0}, overflowed {end.Overflowed:N0}; table rows {rows:N0}, gaps {gaps}, " +
                              $"duplicates skipped {streams.Sum(x => x.Duplicates)}, " +
                              $"retries {streams.Sum(x => x.Retries)}; per key seq 1…n each once, rows = confirmed: {(exact ? "yes" : "NO")}; " +
                              $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MB, " +
                              $"peak managed heap {Interlocked.Read(ref peakManaged) >> 20} MB " +
                              "(simulator, gateway and writer in one process)");
            return exact && gaps == 0 && rows == end.Confirmed ? 0 : 1;
        }
        finally
        {
            await gateway.DisposeAsync();
            await writer.DisposeAsync();
            await using var db = NpgsqlDataSource.Create(pg.ConnectionString);
            await using (var drop = db.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")) await drop.ExecuteNonQueryAsync();
            await using var connection = await endpoint.CreateFactory("bench-cleanup").CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(endpoint.StreamFor("H0UPCNT0"), false, false);
            await channel.QueueDeleteAsync(endpoint.RequestQueue, false, false);
            await channel.ExchangeDeleteAsync(endpoint.Exchange, false);
        }
    }

    private static string Line(KisGateway gateway, GatewayStreamFollower sink)
    {
        var g = gateway.Status();
        var s = sink.Status();
        return $"received {g.Received:N0}, confirmed {g.Confirmed:N0}, stored {s.Committed:N0}, {g.PublishRate:N0} records/s";
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var seen = Interlocked.Read(ref target);
        while (value > seen)
        {
            var was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>A loopback TCP proxy that can refuse and reset every connection (a database outage without stopping it).</summary>
    private sealed class Proxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly string _host;
        private readonly int _port;
        private readonly Lock _gate = new();
        private readonly List<(TcpClient, TcpClient)> _pairs = [];
        private volatile bool _cut;

        public Proxy(string host, int port)
        {
            (_host, _port) = (host, port);
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Cut()
        {
            _cut = true;
            lock (_gate)
            {
                foreach (var (client, server) in _pairs)
                {
                    try { client.Client?.Close(0); } catch (ObjectDisposedException) { /* closed by its pipe */ }
                    client.Dispose();
                    server.Dispose();
                }
                _pairs.Clear();
            }
        }

        public void Resume() => _cut = false;

        private async Task AcceptAsync()
        {
            while (true)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(); }
                catch (Exception) { return; }
                if (_cut)
                {
                    client.Client.Close(0);
                    continue;
                }
                var server = new TcpClient();
                try { await server.ConnectAsync(_host, _port); }
                catch (Exception)
                {
                    client.Dispose();
                    server.Dispose();
                    continue;
                }
                lock (_gate) _pairs.Add((client, server));
                _ = PipeAsync(client, server);
                _ = PipeAsync(server, client);
            }
        }

        private static async Task PipeAsync(TcpClient from, TcpClient to)
        {
            try { await from.GetStream().CopyToAsync(to.GetStream()); }
            catch (Exception) { /* cut or closed */ }
            from.Dispose();
            to.Dispose();
        }

        public void Dispose()
        {
            _listener.Stop();
            Cut();
        }
    }
}
