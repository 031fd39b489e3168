using System.Globalization;
using System.Text.Json.Nodes;
using Kis.Realtime.Simulator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kis.Realtime.Simulator.Replay;

/// <summary>
/// <c>POST /sim/step</c>: the stepped replay's control (<see cref="ReplayStepGate"/>). <c>?frames=N</c> (default 1)
/// serves the next N recorded data frames and answers once they went to the sessions: how many this call served, how
/// many in all, whether the recording is over, the market time (KST) and how many order notices the venue has issued
/// (a client reads its WebSocket until it has them): with <c>hts_id=ID</c> those for that HTS ID only (what its notice
/// subscriptions get, whoever else trades on the simulator), without it every account's; an <c>hts_id</c> that is empty,
/// given twice or no credential's or account's answers 400. <c>?until=yyyy-MM-ddTHH:mm:ss</c> (KST), once the recording is
/// over, moves the market clock on to that time (from the market time to 7 days past the last frame's, else 400): the
/// day's orders left expire with their notices. A simulator not stepping answers 409.
/// </summary>
internal static class ReplayStepEndpoint
{
    /// <summary>Most frames one call may grant.</summary>
    public const long MaxFrames = 1_000_000;

    /// <summary>How far past the recording's last frame <c>until</c> may move the market (a typo'd year would move it for good).</summary>
    public static readonly TimeSpan MaxUntilPastLastFrame = TimeSpan.FromDays(7);

    /// <summary>Maps the endpoint; <paramref name="gate"/> gives the replay's gate at the call (null: not stepping).</summary>
    public static void Map(IEndpointRouteBuilder app, SimulatorHub hub, Func<ReplayStepGate?> gate)
        => app.MapPost("/sim/step", async ctx => await (await StepAsync(ctx, hub, gate()).ConfigureAwait(false)).ExecuteAsync(ctx).ConfigureAwait(false));

    private static async Task<IResult> StepAsync(HttpContext ctx, SimulatorHub hub, ReplayStepGate? gate)
    {
        if (gate is null)
            return Error("not a stepped replay: start the simulator with --replay FILE --step (SimulatorOptions.ReplayStep)", 409);
        var q = ctx.Request.Query;
        string? htsId = null;
        if (q.ContainsKey("hts_id") && HtsIdProblem(hub, q["hts_id"], out htsId) is { } problem) return Error(problem, 400);
        if (q["until"].ToString() is { Length: > 0 } untilText)
        {
            if (!DateTime.TryParseExact(untilText, ["yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None,
                out var until))
                return Error($"until must be a KST time yyyy-MM-ddTHH:mm:ss, not {Shown(untilText)}", 400);
            if (!gate.Done)
                return Error("until moves the market past the recording's end only: step through its frames first (frames=N)", 409);
            // The clock never goes back: a time before it, or far past the recording, would leave the market there for good.
            var now = hub.Market.Clock.Now();
            var latest = (gate.LastFrameAt ?? now) + MaxUntilPastLastFrame;
            if (until < now || until > latest)
                return Error($"until must lie from the market time {Kst(now)} to {Kst(latest)} (7 days past the recording's last frame), "
                    + $"not {Shown(untilText)}", 400);
            hub.Market.Clock.FollowReplay(until, speed: 0);
            hub.Venue.Advance(hub.Market.Clock.Now()); // what is left of the day's orders expires, with its notices
            return Answer(hub, 0, gate.Served, done: true, htsId);
        }
        var frames = 1L;
        if (q["frames"].ToString() is { Length: > 0 } framesText
            && (!long.TryParse(framesText, NumberStyles.None, CultureInfo.InvariantCulture, out frames) || frames is < 1 or > MaxFrames))
            return Error($"frames must be 1 to {MaxFrames.ToString("N0", CultureInfo.InvariantCulture)}, not {Shown(framesText)}", 400);
        var before = gate.Served;
        var (served, done) = await gate.StepAsync(frames, ctx.RequestAborted).ConfigureAwait(false);
        return Answer(hub, served - before, served, done, htsId);
    }

    private static IResult Answer(SimulatorHub hub, long frames, long served, bool done, string? htsId) => SimulatorJson.Reply(new JsonObject
    {
        ["frames"] = frames, ["served"] = served, ["done"] = done,
        ["market_time"] = Kst(hub.Market.Clock.Now()),
        ["notices"] = htsId is null ? hub.Venue.NoticesPublished : hub.Venue.NoticesPublishedFor(htsId),
    });

    /// <summary>Why <paramref name="values"/> names no one HTS ID the simulator knows, or null (<paramref name="htsId"/> it).
    /// Counting an unknown one's notices would answer 0 for good: a loop waiting for them would wait for nothing.</summary>
    private static string? HtsIdProblem(SimulatorHub hub, Microsoft.Extensions.Primitives.StringValues values, out string htsId)
    {
        htsId = values.ToString();
        if (values.Count > 1) return $"hts_id may be given once (the HTS ID whose notices to count), not {values.Count} times";
        if (htsId.Length == 0) return "hts_id names the HTS ID whose notices to count (as its notice subscription's tr_key); it is empty";
        var id = htsId;
        return hub.Options.Credentials.Any(c => c.HtsId == id) || hub.Venue.HasHtsId(id) ? null
            : $"hts_id {Shown(id)} is not the HTS ID of any credential or account of the simulator: its notices would never come";
    }

    /// <summary>Most characters of a refused value an error echoes.</summary>
    public const int MaxEchoed = 32;

    /// <summary>
    /// A refused value as an error shows it: quoted, its first <see cref="MaxEchoed"/> characters with anything not
    /// printable ASCII as <c>?</c>, and its length when longer. The caller's own text, not trusted: a 7 kB query value
    /// (Kestrel's request line holds 8 kB) or a control character must not come back whole.
    /// </summary>
    private static string Shown(string value)
    {
        var head = string.Create(Math.Min(value.Length, MaxEchoed), value, static (span, v) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = v[i] is >= ' ' and <= '~' ? v[i] : '?';
        });
        return value.Length <= MaxEchoed ? $"'{head}'"
            : $"'{head}…' ({value.Length.ToString("N0", CultureInfo.InvariantCulture)} characters)";
    }

    private static string Kst(DateTime time) => time.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static IResult Error(string message, int status) => SimulatorJson.Reply(new JsonObject { ["error"] = message }, status);
}
