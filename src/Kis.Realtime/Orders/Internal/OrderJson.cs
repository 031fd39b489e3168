namespace Kis.Realtime.Internal;

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class OrderJson : System.Text.Json.Serialization.JsonSerializerContext;
