using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A status type to and from JSON with the wire's settings (names, nulls, enums: copied, so they are set in one place and
/// the bytes are those a context of the wire would write), its metadata from its own source-generated context: the wire,
/// beneath the package's root, names no root or server type. One for the gateway's status answer
/// (<see cref="GatewayStatusJson"/>), one for a fleet process's published status (<c>FleetStatusJson</c>).
/// </summary>
internal sealed class StatusJson<T>(IJsonTypeInfoResolver context)
{
    private readonly JsonTypeInfo<T> _type = (JsonTypeInfo<T>)new JsonSerializerOptions(GatewayJson.Options) { TypeInfoResolver = context }
        .GetTypeInfo(typeof(T));

    public JsonElement ToElement(T value) => JsonSerializer.SerializeToElement(value, _type);

    /// <exception cref="JsonException">Not a <typeparamref name="T"/> object.</exception>
    public T? FromElement(JsonElement json) => json.Deserialize(_type);

    public byte[] Serialize(T value) => JsonSerializer.SerializeToUtf8Bytes(value, _type);

    /// <exception cref="JsonException">Not a <typeparamref name="T"/> object.</exception>
    public T? Deserialize(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, _type);
}
