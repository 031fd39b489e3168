using Kis.Realtime.Cli.Configuration;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Kis.Realtime.Cli.Hosting;

/// <summary><c>--otlp-endpoint</c>: the library's metrics (meter "Kis.Realtime") exported over OTLP while the command runs.</summary>
internal static class MetricsExport
{
    /// <summary>
    /// Starts exporting to <paramref name="endpoint"/>: gRPC (e.g. <c>http://localhost:4317</c>) or, when the path ends
    /// with <c>/v1/metrics</c>, HTTP/protobuf (e.g. <c>http://localhost:4318/v1/metrics</c>). Disposing flushes the
    /// last values. An <see cref="IDisposable"/>, not the OpenTelemetry type: a caller naming that type would load the
    /// OpenTelemetry assemblies even when no endpoint is given (StreamLoadedAssembliesTests).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static IDisposable Start(string endpoint, TimeSpan interval)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new CliUsageException("--otlp-endpoint must be an http:// or https:// URL such as http://localhost:4317 (gRPC) or " +
                $"http://localhost:4318/v1/metrics, not '{endpoint}'.");
        var protocol = url.AbsolutePath.TrimEnd('/').EndsWith("/v1/metrics", StringComparison.Ordinal)
            ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        return Sdk.CreateMeterProviderBuilder()
            .AddMeter(KisRealtimeClient.MeterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = url;
                exporter.Protocol = protocol;
                // A machine-wide proxy must not capture a local collector (HTTP/protobuf; gRPC ignores this factory).
                if (url.IsLoopback) exporter.HttpClientFactory = () => new HttpClient(new SocketsHttpHandler { UseProxy = false });
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds;
            })
            .Build();
    }
}
