using System.Text.Json;
using System.Text.Json.Serialization;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Output;

/// <summary>The JSON kisrt writes besides records, source-generated so that it needs no reflection (Native AOT).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(GatewayStatus))]
[JsonSerializable(typeof(List<GatewayStatus>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

internal static class CliJson
{
    /// <summary>The dashboard's API replies (ASP.NET Core's web defaults, as before).</summary>
    public static readonly CliJsonContext Web = new(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>snake_case like the records and the gateway's own wire (broker_connected, buffer_depth, "connected").</summary>
    public static readonly CliJsonContext SnakeCase = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter<KisConnectionState>(JsonNamingPolicy.SnakeCaseLower) },
    });
}
