using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The status answer's body (<see cref="GatewayReply.Status"/>) to and from the public <see cref="GatewayStatus"/>: the
/// wire carries it as a JSON object it does not read, so that the wire (beneath the package's root) names no root type.
/// The wire's settings (names, nulls, enums) copied, so the bytes are those a context of the wire would write.
/// </summary>
internal static class GatewayStatusJson
{
    private static readonly JsonSerializerOptions Options = new(GatewayJson.Options) { TypeInfoResolver = GatewayStatusJsonContext.Default };

    private static JsonTypeInfo<GatewayStatus> Type => (JsonTypeInfo<GatewayStatus>)Options.GetTypeInfo(typeof(GatewayStatus));

    public static JsonElement ToElement(GatewayStatus status) => JsonSerializer.SerializeToElement(status, Type);

    /// <exception cref="JsonException">Not a status object.</exception>
    public static GatewayStatus? FromElement(JsonElement json) => json.Deserialize(Type);
}

/// <summary>The status's types, for System.Text.Json's source generator.</summary>
[JsonSerializable(typeof(GatewayStatus))]
internal sealed partial class GatewayStatusJsonContext : JsonSerializerContext;
