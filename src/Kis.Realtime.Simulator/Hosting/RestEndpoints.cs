using System.Text.Json.Nodes;
using Kis.Realtime.Simulator.Internal;
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
    /// <remarks>RequestDelegate handlers throughout: no reflection over a delegate's parameters (Native AOT).</remarks>
    public static void Map(IEndpointRouteBuilder app, SimulatorHub hub, KisSimulator simulator)
    {
        app.MapPost("/oauth2/Approval", (HttpContext ctx) => ApprovalAsync(ctx, hub));
        app.MapPost("/oauth2/tokenP", (HttpContext ctx) => TokenEndpoints.IssueAsync(ctx, hub));
        app.MapPost("/oauth2/revokeP", (HttpContext ctx) => TokenEndpoints.RevokeAsync(ctx, hub));
        app.MapGet(MinuteChartEndpoint.Path, (HttpContext ctx) => MinuteChartEndpoint.HandleAsync(ctx, hub));
        OrderEndpoints.Map(app, hub);
        OrderInquiryEndpoints.Map(app, hub);
        app.MapGet("/sim/status", ctx => Results.Json(Status(simulator), SimulatorJson.Control.SimulatorStatusReply).ExecuteAsync(ctx));
        app.MapPost("/sim/faults/{fault}", async ctx =>
        {
            var reply = await FaultAsync(ctx.Request.RouteValues["fault"] as string ?? "", ctx, simulator).ConfigureAwait(false);
            await reply.ExecuteAsync(ctx).ConfigureAwait(false);
        });
    }

    private static async Task<IResult> FaultAsync(string fault, HttpContext ctx, KisSimulator simulator)
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
                return SimulatorJson.Reply(new JsonObject { ["fault"] = fault, ["refusing"] = on });
            case "fail-next":
                if (!OpspCodes.TryParse(q["code"].ToString(), out var code))
                    return SimulatorJson.Reply(new JsonObject { ["error"] = "query parameter code=OPSPnnnn is required" }, 400);
                var count = int.TryParse(q["count"].ToString(), out var c) && c > 0 ? c : 1;
                faults.FailNextRequests(code, count);
                return SimulatorJson.Reply(new JsonObject { ["fault"] = fault, ["code"] = code.ToMsgCd(), ["count"] = count });
            case "skip":
                var tr = q["tr"].ToString();
                var key = q["key"].ToString();
                if (tr.Length == 0 || key.Length == 0)
                    return SimulatorJson.Reply(new JsonObject { ["error"] = "query parameters tr and key are required" }, 400);
                if (double.TryParse(q["probability"].ToString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture,
                    out var p))
                {
                    if (!(p is > 0 and <= 1)) return SimulatorJson.Reply(new JsonObject { ["error"] = "probability must be in (0, 1]" }, 400);
                    var seed = int.TryParse(q["seed"].ToString(), out var sd) ? sd : 0;
                    faults.SkipRecords(tr, key, p, seed);
                    return SimulatorJson.Reply(new JsonObject { ["fault"] = fault, ["tr"] = tr, ["key"] = key, ["probability"] = p, ["seed"] = seed });
                }
                var skip = int.TryParse(q["count"].ToString(), out var k) && k > 0 ? k : 1;
                faults.SkipRecords(tr, key, skip);
                return SimulatorJson.Reply(new JsonObject { ["fault"] = fault, ["tr"] = tr, ["key"] = key, ["count"] = skip });
            case "stop-skipping":
                faults.StopSkipping();
                return SimulatorJson.Reply(new JsonObject { ["fault"] = fault, ["skipped"] = simulator.Counters.RecordsSkipped });
            default:
                return SimulatorJson.Reply(new JsonObject { ["error"] = $"unknown fault '{fault}'", ["faults"] = new JsonArray([.. FaultNames.Select(f
                    => (JsonNode?)f)]) }, 404);
        }
    }

    private static readonly string[] FaultNames =
        ["drop", "close", "stall?seconds=n", "unstall", "malformed", "non-utf8", "expire-keys", "refuse-sessions?on=true|false",
            "fail-next?code=OPSPnnnn&count=n",
         "skip?tr=TR&key=KEY&count=n|probability=p&seed=s", "stop-skipping"];

    private static IResult Affected(string fault, int n) => SimulatorJson.Reply(new JsonObject { ["fault"] = fault, ["affected"] = n });

    private static SimulatorStatusReply Status(KisSimulator sim) => new(
        sim.Options.Profile.ToString(),
        KisSimulator.Display(sim.WebSocketUrl),
        KisSimulator.Display(sim.RestBaseUrl),
        sim.Options.Clock.ToString(),
        sim.MarketTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        sim.Faults.IsStalled,
        sim.Faults.IsRefusingNewSessions,
        sim.Counters,
        sim.Sessions,
        sim.Instruments);

    private static async Task ApprovalAsync(HttpContext ctx, SimulatorHub hub)
    {
        var request = await CredentialRequest.ReadAsync(ctx, hub, "secretkey", ApprovalRejected).ConfigureAwait(false);
        if (request is null) return;
        var key = hub.Approvals.Issue(request.Credential);
        Interlocked.Increment(ref hub.Counters._approvalKeysIssued);
        Log.ApprovalIssued(hub.Logger, KisCredential.Mask(request.Credential.AppKey));
        await SimulatorJson.Reply(new Dictionary<string, string> { ["approval_key"] = key }).ExecuteAsync(ctx).ConfigureAwait(false);
    }

    private static void ApprovalRejected(SimulatorHub hub) => Interlocked.Increment(ref hub.Counters._approvalRequestsRejected);

    /// <summary>A KIS-shaped REST error: <c>{"error_code":"EGW…","error_description":"…"}</c>.</summary>
    internal static Task Error(HttpContext ctx, SimulatorHub hub, int status, string code, string description)
    {
        Log.RestRefused(hub.Logger, ctx.Request.Path.Value ?? "", code, description);
        return SimulatorJson.Reply(new Dictionary<string, string> { ["error_code"] = code, ["error_description"] = description }, status)
            .ExecuteAsync(ctx);
    }
}
