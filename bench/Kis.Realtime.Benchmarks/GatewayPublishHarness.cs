using System.Diagnostics;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- gateway-publish [rounds]</c>: the two methods of
/// <see cref="GatewayPublishBenchmarks"/> (the gateway's publisher and the minimal RabbitMQ.Client yardstick, 100,000
/// records each) alternated in one process, without BenchmarkDotNet's generated project (whose build does not finish
/// within its 2-minute limit on a heavily loaded machine). Prints µs per record of each round, for packed (64) and
/// one-record messages. Then, paced (<c>gateway-publish [rounds] [records/s]</c>, default 2,000/s for 10 s each): this
/// process's CPU time per published and confirmed record, the gateway's publisher beside the minimal publisher sending
/// the same bodies one message each with confirms, alternated round by round (the broker's CPU is its own process's).
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
        var rate = args.Length > 2 && int.TryParse(args[2], out var perSecond) ? perSecond : 2_000;
        await PacedCpuAsync(rounds, rate);
        return 0;
    }

    /// <summary>At <paramref name="rate"/> records/s (a market's pace, where each record is its own message), CPU µs per record.</summary>
    private static async Task PacedCpuAsync(int rounds, int rate)
    {
        var bench = new GatewayPublishBenchmarks { MaxOutstandingConfirms = 20_000, MaxRecordsPerMessage = 64 };
        await bench.Setup();
        try
        {
            var records = rate * 10;
            await bench.PacedMinimalPublish(rate, records / 5); // warm-up of both
            await bench.PacedGatewayPublish(rate, records / 5);
            var gateway = new List<double>();
            var yardstick = new List<double>();
            for (var i = 0; i < rounds; i++)
            {
                yardstick.Add(await CpuAsync(() => bench.PacedMinimalPublish(rate, records), records));
                gateway.Add(await CpuAsync(() => bench.PacedGatewayPublish(rate, records), records));
            }
            Console.WriteLine($"paced {rate} records/s, CPU µs per record: gateway publisher {string.Join(", ", gateway.Select(us => $"{us:0.00}"))}; " +
                              $"minimal RabbitMQ.Client publisher, one message a record {string.Join(", ", yardstick.Select(us => $"{us:0.00}"))}");
        }
        finally
        {
            await bench.Cleanup();
        }
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
