using System.Diagnostics;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- gateway-publish [rounds]</c>: the two methods of
/// <see cref="GatewayPublishBenchmarks"/> (the gateway's publisher and the minimal RabbitMQ.Client yardstick, 100,000
/// records each) alternated in one process, without BenchmarkDotNet's generated project (whose build does not finish
/// within its 2-minute limit on a heavily loaded machine). Prints µs per record of each round, for packed (64) and
/// one-record messages.
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
        return 0;
    }

    private static async Task<double> TimeAsync(Func<Task> run)
    {
        var started = Stopwatch.GetTimestamp();
        await run();
        return Stopwatch.GetElapsedTime(started).TotalMicroseconds / GatewayPublishBenchmarks.Records;
    }
}
