using System.Diagnostics;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- whole-market [stocks] [keys] [steady/s] [burst/s]
/// [burst-s] [steady-s] [lead-s] [postgres] [--processes N] [--kill burst|steady] [--kill-after S] [--term burst|steady] [--term-after S]
/// [--logs DIR] [--election-heartbeat 10s]</c> (issue 61): the
/// whole-market day on one machine. The simulator (this process) lists the whole KRX (<see cref="SimulatorUniverse.KrxAll"/>)
/// at a market-wide pace with the open's burst; a fleet of <c>--processes</c> (3) <c>kisrt gateway --fleet</c> processes
/// (<see cref="WholeMarketFleet"/>: one credentials file, one universe file of the <paramref name="stocks"/> busiest names'
/// trades and books) serves it; <c>--processes 0</c> or a PostgreSQL connection string runs the single pooled gateway
/// process instead (<see cref="WholeMarketGateway"/>; a fleet has no <c>--postgres</c> yet). <c>--kill burst</c> sends
/// SIGKILL to the busiest fleet process <c>--kill-after</c> (10) seconds into the burst (or the steady phase);
/// <c>--term</c> SIGTERMs the rest of the fleet <c>--term-after</c> (10) seconds into the phase named, once the kill's keys
/// are held again, and prints each process's exit code and summary (<see cref="WholeMarketStop"/>); <c>kisrt gateway
/// audit</c> reads the run's streams before they are deleted. <c>--logs</c> keeps each fleet process's output there. An
/// independent consumer (<see cref="WholeMarketConsumer"/>: plain AMQP, each TR's stream from its first offset) counts
/// every key's records per run. At the end the simulator is stalled and each key's count is checked against what the
/// simulator sent: lost (a kill's hole included), lost outside a gap message that states it, doubled. Prints the rate, lag p50/p99 (gateway receive stamp →
/// consumer), CPU per record of the gateway processes, the broker (every beam.smp) and PostgreSQL (every postgres
/// process), memory, and disk per hour per stream (the stream's files under /var/lib/rabbitmq). Defaults: 200 stocks
/// over 10 keys, 2,000/s steady, 10,000/s burst.
/// </summary>
public static class WholeMarketHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var named = new Dictionary<string, string>();
        var positional = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length) named[args[i][2..]] = args[++i];
            else positional.Add(args[i]);
        }
        args = [.. positional];
        double Arg(int i, double fallback) =>
            args.Length > i && double.TryParse(args[i], System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var processes = named.TryGetValue("processes", out var p) ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : 3;
        var kill = named.GetValueOrDefault("kill");
        var killing = kill is not null; // a kill's hole is lost by design: counted, and each record of it must be in a stated gap
        var killAfter = named.TryGetValue("kill-after", out var k) ? double.Parse(k, System.Globalization.CultureInfo.InvariantCulture) : 10;
        // --term: the rest of the fleet SIGTERMed after the kill's takeover, the market counted that moment (WholeMarketStop).
        var term = named.GetValueOrDefault("term");
        var termAfter = named.TryGetValue("term-after", out var t) ? double.Parse(t, System.Globalization.CultureInfo.InvariantCulture) : 10;
        var terming = term is not null;
        var stocks = (int)Arg(1, 200);
        var keys = (int)Math.Max(Arg(2, 10), Math.Ceiling(stocks * 2 / 41.0));
        var (steady, burst, burstSeconds, steadySeconds) = (Arg(3, 2_000), Arg(4, 10_000), Arg(5, 60), Arg(6, 30));
        var lead = Arg(7, 20 + stocks * 2 / 50.0); // time to hold every registration before 09:00
        var postgres = args.Length > 8 ? args[8] : null;
        var amqp = Environment.GetEnvironmentVariable("KISRT_BENCH_AMQP") is { Length: > 0 } configured ? configured : "amqp://guest:guest@127.0.0.1:5672/";
        var ns = "bench-wm-" + Guid.NewGuid().ToString("N")[..8];
        var endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri(amqp), Namespace = ns };
        var dir = Directory.CreateTempSubdirectory("kisrt-whole-market-");
        var credentials = SimKeyFile.Generate(keys);
        SimKeyFile.Write(Path.Combine(dir.FullName, "keys.json"), credentials);
        var open = new DateTimeOffset(2026, 3, 9, 9, 0, 0, KoreaTime.Offset);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with
        {
            Universe = SimulatorUniverse.KrxAll,
            Pace = MarketPace.MarketWide(steady, burst, TimeSpan.FromSeconds(burstSeconds)),
            MarketStart = open.AddSeconds(-lead),
            Credentials = credentials,
        });
        var codes = KisSimulatorInstrument.List(sim.Options.Seed, new DateOnly(2026, 3, 9), SimulatorUniverse.KrxAll).Where(i => i.Kind == "stock")
            .Take(stocks).Select(i => i.Code).ToList();
        string[] trs = ["H0STCNT0", "H0STASP0"];
        File.WriteAllLines(Path.Combine(dir.FullName, "subs.txt"), trs.SelectMany(tr => codes.Select(c => $"{tr}:{c}")));
        if (postgres is not null) processes = 0;
        var share = new Simulator.Market.InstrumentMaster(sim.Options.Seed, SimulatorUniverse.KrxAll).Universe.Take(stocks).Sum(s => s.Share);
        Console.WriteLine($"whole-market {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load {Load()}: "
                          + $"{stocks} stocks x 2 TRs = {stocks * 2} registrations over {keys} keys; "
                          + $"market {steady:N0}/s steady, {burst:N0}/s burst for {burstSeconds} s: these names {share:P0} of it; "
                          + (processes > 0 ? $"a fleet of {processes} kisrt gateway --fleet processes" : "one pooled gateway process")
                          + (kill is null ? "" : $", SIGKILL to the busiest {killAfter} s into the {kill}")
                          + (term is null ? "" : $", SIGTERM to the rest {termAfter} s into the {term} (after the takeover), the market counted then"));

        var gateways = processes > 0
            ? (IWholeMarketGateways)new FleetGateways(
                WholeMarketFleet.Start(processes, dir.FullName, amqp, ns, sim, named.GetValueOrDefault("logs"),
                    named.GetValueOrDefault("election-heartbeat") ?? "10s"), stocks * 2)
            : new PooledGateway(StartGateway(dir.FullName, amqp, ns, sim, postgres));
        Console.WriteLine($"gateway: {await gateways.HeldAsync()}");
        await using var consumer = await WholeMarketConsumer.StartAsync(endpoint, trs);
        if (sim.MarketTime >= open.DateTime) Console.WriteLine($"warning: held only at {sim.MarketTime:HH:mm:ss}, after the open: raise lead-s");

        var phases = new List<string>();
        Task? heldAgain = null;
        var termCounted = false;
        Dictionary<(string TrId, string Key), long>? sentAtTerm = null;
        // What the simulator had sent when stalled a moment, a second count beside the final one (WholeMarketStop.Tail).
        // Not stalled through the stop: a stalled simulator answers no request, and each release would wait its 10 s.
        async Task CountForTermAsync()
        {
            (term, termCounted) = (null, true);
            await sim.Faults.Stall();
            sentAtTerm = await SettledAsync(sim);
            await sim.Faults.Unstall();
            Console.WriteLine($"market counted at {sim.MarketTime:HH:mm:ss} ({sentAtTerm.Values.Sum():N0} records sent), SIGTERM now");
        }
        async Task PhaseAsync(string name, DateTime until)
        {
            while (sim.MarketTime < open.DateTime.AddSeconds(-1)) await Task.Delay(100);
            var (cpu0, self0, made0, consumed0, at0) = (Cpu(gateways), ProcCpu(Environment.ProcessId), Made(sim), consumer.Records, Stopwatch.GetTimestamp());
            consumer.ResetLag();
            var (killAt, termAt) = (sim.MarketTime.AddSeconds(killAfter), sim.MarketTime.AddSeconds(termAfter));
            while (sim.MarketTime < until && !gateways.Exited)
            {
                if (term == name && sim.MarketTime >= termAt && kill != name && (heldAgain?.IsCompleted ?? true))
                {
                    await CountForTermAsync();
                    break;
                }
                if (kill == name && sim.MarketTime >= killAt && gateways is FleetGateways fleet)
                {
                    kill = null;
                    Console.WriteLine($"SIGKILL at {sim.MarketTime:HH:mm:ss} to {fleet.Fleet.KillBusiest(ProcCpu)}");
                    var killed = Stopwatch.StartNew();
                    heldAgain = Task.Run(async () =>
                    {
                        // Held: every registration in a live process's table and answered by KIS (an opening one has no feed
                        // and no announcement yet: the market stalled then would leave its key's hole unstated).
                        bool Held() => fleet.Fleet.Registrations >= stocks * 2 && fleet.Fleet.Opening == 0;
                        while (!Held() && killed.Elapsed < TimeSpan.FromMinutes(3)) await Task.Delay(100);
                        Console.WriteLine(!Held()
                            ? $"not every registration held again {killed.Elapsed.TotalSeconds:0.0} s after the kill: {fleet.Fleet.Registrations}, " +
                              $"{fleet.Fleet.Opening} opening"
                            : $"every registration held again {killed.Elapsed.TotalSeconds:0.0} s after the kill (status lines a second apart)");
                    });
                }
                await Task.Delay(100);
            }
            var (cpu1, self1, made1, consumed1) = (Cpu(gateways), ProcCpu(Environment.ProcessId), Made(sim), consumer.Records);
            var seconds = Stopwatch.GetElapsedTime(at0).TotalSeconds;
            var made = made1 - made0;
            double Per(TimeSpan a, TimeSpan b) => made == 0 ? double.NaN : (b - a).TotalMicroseconds / made;
            var (p50, p99) = consumer.Lag();
            double Cores(TimeSpan a, TimeSpan b) => (b - a).TotalSeconds / seconds;
            phases.Add($"{name}: made {made / seconds:N0} records/s, consumed {(consumed1 - consumed0) / seconds:N0}/s; " +
                       $"lag p50 {p50:0.0} ms p99 {p99:0.0} ms; CPU us/record gateway {Per(cpu0.Gateway, cpu1.Gateway):0.0}, " +
                       $"broker {Per(cpu0.Broker, cpu1.Broker):0.0}, postgres {Per(cpu0.Postgres, cpu1.Postgres):0.0}, " +
                       $"simulator + consumer {Per(self0, self1):0.0}; " +
                       $"cores gateway {Cores(cpu0.Gateway, cpu1.Gateway):0.00}, broker {Cores(cpu0.Broker, cpu1.Broker):0.00}, " +
                       $"postgres {Cores(cpu0.Postgres, cpu1.Postgres):0.00}, simulator + consumer {Cores(self0, self1):0.00}, load {Load()}");
            Console.WriteLine(phases[^1]);
        }
        await PhaseAsync("burst", open.DateTime.AddSeconds(burstSeconds));
        if (!termCounted) await PhaseAsync("steady", open.DateTime.AddSeconds(burstSeconds + steadySeconds));
        // The kill's keys are counted once their new runs publish: the market goes on (steady) until then, not stalled before.
        if (heldAgain is not null) await heldAgain;
        List<WholeMarketFleet.Stop>? stops = null;
        if (terming && !termCounted)
        {
            // The takeover outlasted the phase: the market went on until it (above), and the SIGTERM comes now.
            Console.WriteLine($"the takeover outlasted the {term} phase: the SIGTERM comes once it is over, at {sim.MarketTime:HH:mm:ss}");
            await CountForTermAsync();
        }
        string? gatewayPeak = null; // the processes' peak memory, read before they end
        if (termCounted && gateways is FleetGateways stopped)
        {
            gatewayPeak = string.Join(", ", gateways.ProcessIds.Select(id => Status(id, "VmHWM")));
            Console.WriteLine($"at the SIGTERM (received less confirmed: the backlog):\n  {stopped.Fleet.Lines}");
            stops = await WholeMarketStop.TermAsync(stopped.Fleet);
        }

        await sim.Faults.Stall();
        // After a --term every process has released its keys (or ended): a key's records are what was made while a gateway held it.
        var sent = sentAtTerm is null ? await SettledAsync(sim) : sim.Instruments.ToDictionary(i => (i.TrId, i.Key), i => i.RecordsMade - i.RecordsUnsent);
        var caughtUp = await consumer.ReadToEndAsync(endpoint, trs, TimeSpan.FromMinutes(5));
        Console.WriteLine($"consumer: read to the streams' end {caughtUp.TotalSeconds:0.0} s after the stall");
        var (lost, doubled, keysShort, runs, unaccounted, gapsStated, lostInUnknown) = await consumer.CheckAsync(sent, TimeSpan.FromSeconds(120));
        Console.WriteLine($"counted against the simulator: {sent.Values.Sum():N0} records sent on {sent.Count} keys; lost {lost}, doubled {doubled}, " +
                          $"lost outside a stated gap {unaccounted} ({gapsStated} gaps stated; {lostInUnknown} lost in gaps of unknown extent) " +
                          $"({keysShort} keys short, {runs} keys with records of more than one run); simulator lost behind {sim.Counters.RecordsLostBehind}; " +
                          $"gateway {gateways.LastStatus}");
        foreach (var example in consumer.Unaccounted) Console.WriteLine($"  outside a stated gap: {example}");
        if (stops is not null) Console.WriteLine(WholeMarketStop.Tail(consumer.Tail(sent), consumer.Tail(sentAtTerm!), stops));
        var audited = await WholeMarketStop.AuditAsync(amqp, ns);
        gatewayPeak ??= string.Join(", ", gateways.ProcessIds.Select(id => Status(id, "VmHWM")));
        Console.WriteLine($"memory: gateway peak {gatewayPeak}, broker RSS {BrokerRss()} MB, " +
                          $"this process (simulator + consumer) peak {Status(Environment.ProcessId, "VmHWM")}");
        var seconds = burstSeconds + steadySeconds;
        foreach (var tr in trs)
            Console.WriteLine($"disk {tr}: {StreamBytes(ns, tr) / 1e6:0.0} MB for {sent.Where(s => s.Key.TrId == tr).Sum(s => s.Value):N0} records: " +
                              $"{StreamBytes(ns, tr) / seconds * 3600 / 1e9:0.00} GB an hour at this run's mean rate");
        await gateways.DisposeAsync();
        dir.Delete(recursive: true);
        await DeleteAsync(endpoint, trs, Shards(keys));
        var stopsClean = stops?.All(s => s.ExitCode == 0) ?? true;
        return (lost == 0 || killing || terming) && unaccounted == 0 && doubled == 0 && stopsClean && audited == 0 ? 0 : 1;
    }

    /// <summary>The fleet's per-shard names: every key a shard at most, and the claims shard (the namespace's own queues).</summary>
    private static IEnumerable<string?> Shards(int keys) =>
        [null, .. Enumerable.Range(0, keys).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>The run's streams, queues and exchanges: a harness run leaves no disk behind on the shared broker.</summary>
    private static async Task DeleteAsync(KisGatewayEndpoint endpoint, string[] trs, IEnumerable<string?> shards)
    {
        await using var connection = await endpoint.CreateFactory("kisrt-bench-cleanup").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var tr in trs) await channel.QueueDeleteAsync(endpoint.StreamFor(tr), false, false);
        foreach (var shard in shards.Select(s => endpoint with { Shard = s }))
            foreach (var queue in new[] { shard.RequestQueue, shard.RunsStream, shard.StandbyQueue }) await channel.QueueDeleteAsync(queue, false, false);
        await channel.ExchangeDeleteAsync(endpoint.Exchange, false);
        await channel.ExchangeDeleteAsync(endpoint.RequestExchange, false);
    }

    private static Process StartGateway(string dir, string amqp, string ns, KisSimulator sim, string? postgres)
    {
        var self = typeof(WholeMarketHarness).Assembly.Location;
        string[] arguments = ["whole-market-gateway", Path.Combine(dir, "keys.json"), Path.Combine(dir, "subs.txt"), amqp, ns,
            sim.WebSocketUrl.ToString(), sim.RestBaseUrl.ToString(), .. postgres is null ? Array.Empty<string>() : [postgres]];
        var start = new ProcessStartInfo("dotnet", [self, .. arguments])
            { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        return Process.Start(start)!;
    }

    private static long Made(KisSimulator sim) => sim.Instruments.Sum(i => i.RecordsMade);

    /// <summary>Records each instrument sent, once every record taken from a tape is on its socket (see GatewayWholeMarketTests).</summary>
    private static async Task<Dictionary<(string TrId, string Key), long>> SettledAsync(KisSimulator sim)
    {
        for (var tries = 0; ; tries++)
        {
            var sent = sim.Instruments.ToDictionary(i => (i.TrId, i.Key), i => i.RecordsMade - i.RecordsUnsent);
            if (sent.Values.Sum() == sim.Sessions.Sum(s => s.RecordsSent) || tries > 200) return sent;
            await Task.Delay(50);
        }
    }

    private static (TimeSpan Gateway, TimeSpan Broker, TimeSpan Postgres) Cpu(IWholeMarketGateways gateways) =>
        (gateways.Cpu(ProcCpu), ProcessesNamed("beam.smp").Aggregate(TimeSpan.Zero, (t, p) => t + ProcCpu(p)),
         ProcessesNamed("postgres").Aggregate(TimeSpan.Zero, (t, p) => t + ProcCpu(p)));

    private static IEnumerable<int> ProcessesNamed(string name)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string comm;
            try
            {
                comm = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // the process ended meanwhile
            }
            if (comm == name) yield return pid;
        }
    }

    /// <summary>utime + stime of a process from /proc (clock ticks of 10 ms); zero when it is gone.</summary>
    private static TimeSpan ProcCpu(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return TimeSpan.FromMilliseconds((long.Parse(fields[11]) + long.Parse(fields[12])) * 10);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return TimeSpan.Zero; }
    }

    private static string Status(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line?[(field.Length + 1)..].Trim() ?? "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static long BrokerRss() => ProcessesNamed("beam.smp").Sum(p => long.TryParse(Status(p, "VmRSS").Split(' ')[0], out var kb) ? kb : 0) / 1024;

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    /// <summary>The bytes of a stream's segment and index files on the broker's disk (readable on this machine's RabbitMQ).</summary>
    private static long StreamBytes(string ns, string tr)
    {
        try
        {
            return Directory.EnumerateDirectories("/var/lib/rabbitmq/mnesia")
                .Select(node => Path.Combine(node, "stream")).Where(Directory.Exists)
                .SelectMany(streams => Directory.EnumerateDirectories(streams, $"__{ns}*{tr}_*"))
                .SelectMany(d => Directory.EnumerateFiles(d)).Sum(f => new FileInfo(f).Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
    }
}
