// The README's hosting sample, published with Native AOT: settings from Kis__* environment variables, a few KOSPI ticks
// printed, then a clean stop. Exit 0 only when every tick arrived.
using Kis.Realtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddKisRealtime(builder.Configuration.GetSection("Kis"));
builder.Services.AddHostedService<KospiPrinter>();
using var host = builder.Build();
await host.RunAsync();
return KospiPrinter.Printed >= KospiPrinter.Wanted ? 0 : 1;

internal sealed class KospiPrinter(IKisRealtimeClient kis, IHostApplicationLifetime lifetime) : BackgroundService
{
    public const int Wanted = 3;
    public static int Printed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var tick in kis.SubscribeIndexTicksAsync("0001", stoppingToken))
            {
                Console.WriteLine($"tick {tick.Time:HH:mm:ss} KOSPI {tick.Value:0.00}");
                if (++Printed == Wanted) break;
            }
        }
        catch (KisException e)
        {
            Console.Error.WriteLine($"aot-worker: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}
