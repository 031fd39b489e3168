using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A fleet process's published status (<see cref="KisGatewayFleet.ReadStatusAsync"/>) as JSON, with the wire's own naming
/// (<c>GatewayJson</c>); its own source-generated context, as the wire's names no server type.
/// </summary>
internal static class FleetStatusJson
{
    // The wire's settings (names, nulls, enums) copied, so they are set in one place; only the metadata is this context's.
    private static readonly JsonSerializerOptions Options = new(GatewayJson.Options) { TypeInfoResolver = FleetStatusJsonContext.Default };

    private static JsonTypeInfo<GatewayFleetStatus> Type => (JsonTypeInfo<GatewayFleetStatus>)Options.GetTypeInfo(typeof(GatewayFleetStatus));

    public static byte[] Serialize(GatewayFleetStatus status) => JsonSerializer.SerializeToUtf8Bytes(status, Type);

    /// <exception cref="JsonException">Not a status record.</exception>
    public static GatewayFleetStatus? Deserialize(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, Type);
}

/// <summary>The published status's types, for System.Text.Json's source generator.</summary>
[JsonSerializable(typeof(GatewayFleetStatus))]
internal sealed partial class FleetStatusJsonContext : JsonSerializerContext;
