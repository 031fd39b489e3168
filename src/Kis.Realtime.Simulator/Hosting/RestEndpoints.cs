using System.Text.Encodings.Web;
using System.Text.Json;
using Kis.Realtime.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// The REST side: <c>POST /oauth2/Approval</c>, <c>/oauth2/tokenP</c> and <c>/oauth2/revokeP</c> as KIS, and the
/// simulator's control endpoint under <c>/sim</c>.
/// Error bodies follow KIS's REST shape <c>{"error_code":"EGW…","error_description":"…"}</c> (codes inferred).
/// </summary>
internal static class RestEndpoints
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
    };

    public static void Map(IEndpointRouteBuilder app, SimulatorHub hub, KisSimulator simulator)
    {
        app.MapPost("/oauth2/Approval", (HttpContext ctx) => ApprovalAsync(ctx, hub));
        app.MapPost("/oauth2/tokenP", (HttpContext ctx) => TokenEndpoints.IssueAsync(ctx, hub));
        app.MapPost("/oauth2/revokeP", (HttpContext ctx) => TokenEndpoints.RevokeAsync(ctx, hub));
        app.MapGet(MinuteChartEndpoint.Path, (HttpContext ctx) => MinuteChartEndpoint.HandleAsync(ctx, hub));
        app.MapGet("/sim/status", () => Results.Json(Status(simulator), Json));
        app.MapPost("/sim/faults/{fault}", async (string fault, HttpContext ctx) =>
        {
            var faults = simulator.Faults;
            var q = ctx.Request.Query;
            switch (fault.ToLowerInvariant())
            {
                case "drop": return Affected(fault, await faults.DropConnections().ConfigureAwait(false));
                case "close": return Affected(fault, await faults.CloseConnections().ConfigureAwait(false));
                case "stall":
                    TimeSpan? duration = double.TryParse(q["seconds"].ToString(), System.Globalization.NumberStyles.Float,
                        System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;
                    return Affected(fault, await faults.Stall(duration).ConfigureAwait(false));
                case "unstall": return Affected(fault, await faults.Unstall().ConfigureAwait(false));
                case "malformed": return Affected(fault, await faults.SendMalformedFrame(ctx.RequestAborted).ConfigureAwait(false));
                case "non-utf8": return Affected(fault, await faults.SendNonUtf8Frame(ctx.RequestAborted).ConfigureAwait(false));
                case "expire-keys": return Affected(fault, await faults.ExpireApprovalKeys().ConfigureAwait(false));
                case "refuse-sessions":
                    var on = !string.Equals(q["on"].ToString(), "false", StringComparison.OrdinalIgnoreCase);
                    faults.RefuseNewSessions(on);
                    return Results.Json(new { fault, refusing = on }, Json);
                case "fail-next":
                    if (!OpspCodes.TryParse(q["code"].ToString(), out var code))
                        return Results.Json(new { error = "query parameter code=OPSPnnnn is required" }, Json, statusCode: 400);
                    var count = int.TryParse(q["count"].ToString(), out var c) && c > 0 ? c : 1;
                    faults.FailNextRequests(code, count);
                    return Results.Json(new { fault, code = code.ToMsgCd(), count }, Json);
                case "skip":
                    var tr = q["tr"].ToString();
                    var key = q["key"].ToString();
                    if (tr.Length == 0 || key.Length == 0)
                        return Results.Json(new { error = "query parameters tr and key are required" }, Json, statusCode: 400);
                    if (double.TryParse(q["probability"].ToString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p))
                    {
                        if (!(p is > 0 and <= 1)) return Results.Json(new { error = "probability must be in (0, 1]" }, Json, statusCode: 400);
                        var seed = int.TryParse(q["seed"].ToString(), out var sd) ? sd : 0;
                        faults.SkipRecords(tr, key, p, seed);
                        return Results.Json(new { fault, tr, key, probability = p, seed }, Json);
                    }
                    var skip = int.TryParse(q["count"].ToString(), out var k) && k > 0 ? k : 1;
                    faults.SkipRecords(tr, key, skip);
                    return Results.Json(new { fault, tr, key, count = skip }, Json);
                case "stop-skipping":
                    faults.StopSkipping();
                    return Results.Json(new { fault, skipped = simulator.Counters.RecordsSkipped }, Json);
                default:
                    return Results.Json(new { error = $"unknown fault '{fault}'", faults = FaultNames }, Json, statusCode: 404);
            }
        });
    }

    private static readonly string[] FaultNames =
        ["drop", "close", "stall?seconds=n", "unstall", "malformed", "non-utf8", "expire-keys", "refuse-sessions?on=true|false", "fail-next?code=OPSPnnnn&count=n",
         "skip?tr=TR&key=KEY&count=n|probability=p&seed=s", "stop-skipping"];

    private static IResult Affected(string fault, int n) => Results.Json(new { fault, affected = n }, Json);

    private static object Status(KisSimulator sim) => new
    {
        profile = sim.Options.Profile.ToString(),
        webSocketUrl = KisSimulator.Display(sim.WebSocketUrl),
        restBaseUrl = KisSimulator.Display(sim.RestBaseUrl),
        clock = sim.Options.Clock.ToString(),
        marketTime = sim.MarketTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        stalled = sim.Faults.IsStalled,
        refusingNewSessions = sim.Faults.IsRefusingNewSessions,
        counters = new
        {
            sim.Counters.SessionsAccepted, sim.Counters.SessionsRefused, sim.Counters.FramesSent, sim.Counters.RecordsSent,
            sim.Counters.BytesSent, sim.Counters.PingsSent, sim.Counters.PingsAnswered, sim.Counters.ClosesForMissedPing,
            sim.Counters.Requests, sim.Counters.ReplayFramesSent, sim.Counters.ReplayLinesSkipped, sim.Counters.FaultFramesSent,
            sim.Counters.ApprovalKeysIssued, sim.Counters.ApprovalRequestsRejected, sim.Counters.AccessTokensIssued,
            sim.Counters.AccessTokenRequestsRejected, sim.Counters.QuotationRequests, sim.Counters.QuotationRequestsRejected,
            sim.Counters.RecordsSkipped, repliesByMsgCd = sim.Counters.RepliesByMsgCd,
        },
        sessions = sim.Sessions,
    };

    private static async Task ApprovalAsync(HttpContext ctx, SimulatorHub hub)
    {
        var request = await CredentialRequest.ReadAsync(ctx, hub, "secretkey", ApprovalRejected).ConfigureAwait(false);
        if (request is null) return;
        var key = hub.Approvals.Issue(request.Credential);
        Interlocked.Increment(ref hub.Counters._approvalKeysIssued);
        Log.ApprovalIssued(hub.Logger, SecretMask.Mask(request.Credential.AppKey));
        await Results.Json(new Dictionary<string, string> { ["approval_key"] = key }).ExecuteAsync(ctx).ConfigureAwait(false);
    }

    private static void ApprovalRejected(SimulatorHub hub) => Interlocked.Increment(ref hub.Counters._approvalRequestsRejected);

    /// <summary>A KIS-shaped REST error: <c>{"error_code":"EGW…","error_description":"…"}</c>.</summary>
    internal static Task Error(HttpContext ctx, SimulatorHub hub, int status, string code, string description)
    {
        Log.RestRefused(hub.Logger, ctx.Request.Path.Value ?? "", code, description);
        return Results.Json(new Dictionary<string, string> { ["error_code"] = code, ["error_description"] = description }, Json, statusCode: status)
            .ExecuteAsync(ctx);
    }
}
