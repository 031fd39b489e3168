using System.Globalization;
using System.Text.Json.Nodes;
using Kis.Realtime.Simulator.Internal;
using Microsoft.AspNetCore.Http;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// <c>POST /oauth2/tokenP</c> and <c>POST /oauth2/revokeP</c> as KIS answers them (docs/kis-protocol.md §2). The token's
/// expiry is shown in KST, <c>yyyy-MM-dd HH:mm:ss</c>, as KIS's samples parse it.
/// </summary>
internal static class TokenEndpoints
{

    public static async Task IssueAsync(HttpContext ctx, SimulatorHub hub)
    {
        var request = await CredentialRequest.ReadAsync(ctx, hub, "appsecret", Rejected).ConfigureAwait(false);
        if (request is null) return;
        var token = hub.AccessTokens.Issue(request.Credential);
        Interlocked.Increment(ref hub.Counters._accessTokensIssued);
        Log.AccessTokenIssued(hub.Logger, KisCredential.Mask(request.Credential.AppKey));
        var expiresIn = (long)Math.Round((token.ExpiresAt - hub.Options.TimeProvider.GetUtcNow()).TotalSeconds);
        await SimulatorJson.Reply(new JsonObject
        {
            ["access_token"] = token.Value,
            ["access_token_token_expired"] = token.ExpiresAt.ToOffset(KoreaTime.Offset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["token_type"] = "Bearer",
            ["expires_in"] = expiresIn,
        }).ExecuteAsync(ctx).ConfigureAwait(false);
    }

    public static async Task RevokeAsync(HttpContext ctx, SimulatorHub hub)
    {
        var request = await CredentialRequest.ReadAsync(ctx, hub, "appsecret", Rejected, grantTypeRequired: false).ConfigureAwait(false);
        if (request is null) return;
        var token = request.Field("token");
        if (string.IsNullOrEmpty(token) || !hub.AccessTokens.Revoke(token, request.Credential))
        {
            Rejected(hub);
            // The code is inferred (KIS's gateway answers unknown tokens with EGW00121 on other endpoints).
            await RestEndpoints.Error(ctx, hub, 403, "EGW00121", "유효하지 않은 token 입니다. (invalid token)").ConfigureAwait(false);
            return;
        }
        Log.AccessTokenRevoked(hub.Logger, KisCredential.Mask(request.Credential.AppKey));
        await SimulatorJson.Reply(new JsonObject { ["code"] = 200, ["message"] = "접근토큰 폐기에 성공하였습니다" })
            .ExecuteAsync(ctx).ConfigureAwait(false);
    }

    private static void Rejected(SimulatorHub hub) => Interlocked.Increment(ref hub.Counters._accessTokenRequestsRejected);
}
