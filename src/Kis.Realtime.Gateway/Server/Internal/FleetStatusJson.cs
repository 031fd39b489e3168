using System.Text.Json.Serialization;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>A fleet process's published status (<see cref="KisGatewayFleet.ReadStatusAsync"/>) as JSON, with the wire's own naming.</summary>
internal static class FleetStatusJson
{
    public static readonly StatusJson<GatewayFleetStatus> Json = new(FleetStatusJsonContext.Default);
}

/// <summary>The published status's types, for System.Text.Json's source generator.</summary>
[JsonSerializable(typeof(GatewayFleetStatus))]
internal sealed partial class FleetStatusJsonContext : JsonSerializerContext;
