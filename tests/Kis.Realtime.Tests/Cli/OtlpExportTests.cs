using System.Collections.Concurrent;
using System.Text;
using Kis.Realtime.Cli.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

public class OtlpExportTests
{
    [Fact]
    public async Task Stream_exports_the_librarys_metrics_to_an_otlp_http_endpoint()
    {
        // A minimal OTLP/HTTP collector: keeps every POST /v1/metrics body (protobuf; metric names are plain UTF-8 in it).
        var bodies = new ConcurrentQueue<byte[]>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = builder.Build();
        collector.MapPost("/v1/metrics", async (HttpContext ctx) =>
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer);
            bodies.Enqueue(buffer.ToArray());
            return Results.Ok();
        });
        await collector.StartAsync();
        var address = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var stderr = new StringWriter();
        var exit = await StreamCommand.RunAsync(FastSimulator("index:0001"),
            new StreamArgs { Format = "jsonl", Count = 30, OtlpEndpoint = address + "/v1/metrics", OtlpInterval = TimeSpan.FromMilliseconds(500) },
            Env(), new MemoryStream(), stderr, default).WaitAsync(CliTimeout);

        Assert.Equal(0, exit);
        Assert.Contains("exporting metrics", stderr.ToString());
        // Disposing the exporter flushes: the last export is in before RunAsync returns.
        var all = Encoding.UTF8.GetString(bodies.SelectMany(b => b).ToArray());
        Assert.Contains("kis.realtime.records", all);
        Assert.Contains("kis.realtime.delivery.duration", all);
        Assert.Contains("H0UPCNT0", all);
    }

    [Fact]
    public async Task A_bad_otlp_endpoint_is_a_usage_error()
    {
        var e = await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliUsageException>(() =>
            StreamCommand.RunAsync(FastSimulator("index:0001"), new StreamArgs { Format = "jsonl", OtlpEndpoint = "localhost:4317" },
                Env(), new MemoryStream(), new StringWriter(), default));
        Assert.StartsWith("--otlp-endpoint must be an http:// or https:// URL", e.Message);
    }
}
