using System.Diagnostics;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- gateway-publish [rounds] [records/s] [keys]</c>: the
/// two methods of <see cref="GatewayPublishBenchmarks"/> (the gateway's publisher and the minimal RabbitMQ.Client
/// yardstick, 100,000 records each) alternated in one process, without BenchmarkDotNet's generated project (whose build
/// does not finish within its 2-minute limit on a heavily loaded machine). Prints µs per record of each round, for packed
/// (64) and one-record messages. Then, paced (default 2,000 records/s over 200 keys, 10 s a round; a rate list such as
/// <c>2000,20000</c> runs each): this process's CPU time per published and confirmed record of the gateway's publisher as
/// configured by default (records of several keys in one message, 1 ms linger), with a 2 ms linger, and as before the keys
/// format (messages of one key, no linger), beside the minimal publisher sending the same bodies one message each with
/// confirms, alternated round by round (the broker's CPU is its own process's).
/// </summary>
public static class GatewayPublishHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 3;
        foreach (var perMessage in new[] { 64, 1 })
        {
            var bench = new GatewayPublishBenchmarks { MaxOutstandingConfirms = 20_000, MaxRecordsPerMessage = perMessage };
            await bench.Setup();
            try
            {
                await bench.MinimalClientPublish(); // warm-up of both
                await bench.PublishWithConfirms();
                var gateway = new List<double>();
                var yardstick = new List<double>();
                for (var i = 0; i < rounds; i++)
                {
                    yardstick.Add(await TimeAsync(bench.MinimalClientPublish));
                    gateway.Add(await TimeAsync(bench.PublishWithConfirms));
                }
                Console.WriteLine($"MaxRecordsPerMessage {perMessage}: gateway publisher {string.Join(", ", gateway.Select(us => $"{us:0.00}"))} µs/record; " +
                                  $"minimal RabbitMQ.Client publisher {string.Join(", ", yardstick.Select(us => $"{us:0.00}"))} µs/record");
            }
            finally
            {
                await bench.Cleanup();
            }
        }
        var rates = args.Length > 2 ? args[2].Split(',').Select(int.Parse).ToArray() : [2_000];
        var keys = args.Length > 3 && int.TryParse(args[3], out var k) ? k : 200;
        foreach (var rate in rates) await PacedCpuAsync(rounds, rate, keys);
        return 0;
    }

    /// <summary>At <paramref name="rate"/> records/s over <paramref name="keys"/> keys, CPU µs per record of each publisher.</summary>
    private static async Task PacedCpuAsync(int rounds, int rate, int keys)
    {
        (string Name, GatewayPublishBenchmarks Bench)[] gateways =
        [
            ("gateway, default (keys format, linger 1 ms)", new() { MaxOutstandingConfirms = 20_000, MaxRecordsPerMessage = 64, Keys = keys }),
            ("gateway, keys format, linger 2 ms", new() { MaxOutstandingConfirms = 20_000, MaxRecordsPerMessage = 64, Keys = keys, PublishLingerMs = 2 }),
            ("gateway, one-key messages, no linger (before)", new()
            {
                MaxOutstandingConfirms = 20_000, MaxRecordsPerMessage = 64, Keys = keys, PackAcrossKeys = false, PublishLingerMs = 0,
            }),
        ];
        foreach (var (_, bench) in gateways) await bench.Setup();
        try
        {
            var records = rate * 10;
            var yardstick = gateways[0].Bench;
            await yardstick.PacedMinimalPublish(rate, records / 5); // warm-up of each
            foreach (var (_, bench) in gateways) await bench.PacedGatewayPublish(rate, records / 5);
            var minimal = new List<double>();
            var pacing = new List<double>();
            var figures = gateways.Select(_ => new List<double>()).ToArray();
            var brokerMinimal = new List<double>();
            var broker = gateways.Select(_ => new List<double>()).ToArray();
            for (var i = 0; i < rounds; i++)
            {
                pacing.Add(await CpuAsync(() => GatewayPublishBenchmarks.PacedNothing(rate, records), records));
                var brokerBefore = BrokerCpu();
                minimal.Add(await CpuAsync(() => yardstick.PacedMinimalPublish(rate, records), records));
                brokerMinimal.Add((BrokerCpu() - brokerBefore).TotalMicroseconds / records);
                for (var g = 0; g < gateways.Length; g++)
                {
                    var bench = gateways[g].Bench;
                    var messagesBefore = bench.MessagesSent;
                    brokerBefore = BrokerCpu();
                    figures[g].Add(await CpuAsync(() => bench.PacedGatewayPublish(rate, records), records));
                    broker[g].Add((BrokerCpu() - brokerBefore).TotalMicroseconds / records);
                    Console.WriteLine($"  round {i + 1}, {gateways[g].Name}: {(double)records / (bench.MessagesSent - messagesBefore):0.0} records a message");
                }
            }
            Console.WriteLine($"paced {rate} records/s over {keys} keys, CPU µs per record (rounds {rounds}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC):");
            Console.WriteLine($"  the pacing loop alone, nothing sent (in every figure below): {string.Join(", ", pacing.Select(us => $"{us:0.00}"))}");
            Console.WriteLine($"  minimal RabbitMQ.Client publisher, one message a record: {string.Join(", ", minimal.Select(us => $"{us:0.00}"))}");
            for (var g = 0; g < gateways.Length; g++)
                Console.WriteLine($"  {gateways[g].Name}: {string.Join(", ", figures[g].Select(us => $"{us:0.00}"))}");
            Console.WriteLine($"  the broker meanwhile (every beam.smp on the machine, CPU µs per record): minimal {Join(brokerMinimal)}; " +
                              string.Join("; ", gateways.Select((g, i) => $"{g.Name} {Join(broker[i])}")));
        }
        finally
        {
            foreach (var (_, bench) in gateways) await bench.Cleanup();
        }
    }

    private static string Join(List<double> figures) => string.Join(", ", figures.Select(us => $"{us:0.00}"));

    /// <summary>CPU time of every RabbitMQ node process on this machine (/proc; zero elsewhere): the broker's side of a round.</summary>
    private static TimeSpan BrokerCpu()
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!int.TryParse(Path.GetFileName(dir), out _) || File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "beam.smp") continue;
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": state is field 0, utime 11, stime 12
                ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // the process ended meanwhile
            }
        }
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
    }

    private static async Task<double> CpuAsync(Func<Task> run, int records)
    {
        var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        await run();
        process.Refresh();
        return (process.TotalProcessorTime - before).TotalMicroseconds / records;
    }

    private static async Task<double> TimeAsync(Func<Task> run)
    {
        var started = Stopwatch.GetTimestamp();
        await run();
        return Stopwatch.GetElapsedTime(started).TotalMicroseconds / GatewayPublishBenchmarks.Records;
    }
}
