using System.Text.Json.Serialization;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>The status answer's body (<see cref="Wire.GatewayReply.Status"/>) to and from the public <see cref="GatewayStatus"/>: the
/// wire carries it as a JSON object it does not read.</summary>
internal static class GatewayStatusJson
{
    public static readonly StatusJson<GatewayStatus> Json = new(GatewayStatusJsonContext.Default);
}

/// <summary>The status's types, for System.Text.Json's source generator.</summary>
[JsonSerializable(typeof(GatewayStatus))]
internal sealed partial class GatewayStatusJsonContext : JsonSerializerContext;
