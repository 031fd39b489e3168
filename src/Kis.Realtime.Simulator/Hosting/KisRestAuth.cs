using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// What every KIS REST call under <c>/uapi</c> checks first, as KIS's gateway: <c>authorization: Bearer &lt;token from
/// /oauth2/tokenP&gt;</c>, the token's own <c>appkey</c> and <c>appsecret</c> headers, and a <c>tr_id</c> the endpoint
/// serves. Refusals are HTTP 500 with an EGW/OPSQ code, as KIS answers them.
/// </summary>
internal static class KisRestAuth
{
    /// <summary>Longest header or query value read (a JWT is ~350 characters; anything longer is refused unread).</summary>
    public const int MaxValueLength = 2048;

    /// <summary>The checks; on success the credential of the token's app key.</summary>
    public static (int Status, string? Code, string? Message, SimulatorCredential? Credential) Check(HttpRequest request, SimulatorHub hub,
        Func<string?, bool> servesTrId, string trIdHint)
    {
        var authorization = Header(request, "authorization");
        const string bearer = "Bearer ";
        if (authorization is null || !authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
            return (500, "EGW00121", "유효하지 않은 token 입니다. (missing or invalid authorization: Bearer token)", null);
        var token = hub.AccessTokens.Find(authorization[bearer.Length..].Trim(), out var expired);
        if (token is null)
            return expired ? (500, "EGW00123", "기간이 만료된 token 입니다. (token expired)", null) : (500, "EGW00121", "유효하지 않은 token 입니다. (invalid token)", null);
        var appKey = Header(request, "appkey");
        if (string.IsNullOrEmpty(appKey) || appKey != token.AppKey)
            return (500, "EGW00103", "유효하지 않은 AppKey입니다. (appkey missing or not the token's)", null);
        var credential = hub.Options.Credentials.First(c => c.AppKey == appKey);
        var secret = Header(request, "appsecret");
        if (string.IsNullOrEmpty(secret)
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(credential.AppSecret), Encoding.UTF8.GetBytes(secret)))
            return (500, "EGW00105", "유효하지 않은 AppSecret입니다. (invalid appsecret)", null);
        if (!servesTrId(Header(request, "tr_id")))
            return (500, "OPSQ0002", $"없는 서비스 코드 입니다. ({trIdHint})", null);
        return (200, null, null, credential);
    }

    public static string? Header(HttpRequest request, string name)
        => request.Headers.TryGetValue(name, out var v) && v.Count == 1 && v[0] is { Length: <= MaxValueLength } s ? s : null;

    /// <summary>A query parameter given once and no longer than <see cref="MaxValueLength"/>; else null.</summary>
    public static string? Query(HttpRequest request, string name)
        => request.Query.TryGetValue(name, out var v) && v.Count == 1 && v[0] is { Length: <= MaxValueLength } s ? s : null;
}
