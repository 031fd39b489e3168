using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>The JSON the simulator's REST side writes, source-generated so that it needs no reflection (Native AOT).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(SimulatorStatusReply))]
[JsonSerializable(typeof(KisRestMinuteChartReply))]
internal sealed partial class SimulatorJsonContext : JsonSerializerContext;

/// <summary><c>GET /sim/status</c>.</summary>
internal sealed record SimulatorStatusReply(
    string Profile, string WebSocketUrl, string RestBaseUrl, string Clock, string MarketTime, bool Stalled,
    bool RefusingNewSessions, SimulatorCounters Counters, IReadOnlyList<SimulatorSessionInfo> Sessions,
    IReadOnlyList<SimulatorInstrumentCount> Instruments);

internal static class SimulatorJson
{
    /// <summary>KIS's own shape: field names as given, Korean text unescaped.</summary>
    public static readonly SimulatorJsonContext Kis = new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>The simulator's control endpoint: camelCase names.</summary>
    public static readonly SimulatorJsonContext Control = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    });

    public static IResult Reply(Dictionary<string, string> body, int status = 200) => Results.Json(body, Kis.DictionaryStringString, statusCode: status);

    public static IResult Reply(JsonObject body, int status = 200) => Results.Json(body, Kis.JsonObject, statusCode: status);
}
