using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// The JSON body KIS's OAuth endpoints take: <c>grant_type</c> (where required), <c>appkey</c> and the secret, named
/// <c>secretkey</c> by <c>/oauth2/Approval</c> and <c>appsecret</c> by <c>/oauth2/tokenP</c> and <c>/oauth2/revokeP</c>.
/// </summary>
internal sealed record CredentialRequest(SimulatorCredential Credential, JsonElement Root)
{
    /// <summary>A string field of the body, or null.</summary>
    public string? Field(string name) => Field(Root, name);

    private static string? Field(JsonElement root, string name) => root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    /// <summary>
    /// Reads and checks the body; on failure writes KIS's error reply, calls <paramref name="rejected"/> and returns
    /// null. The secret is compared in constant time and never logged.
    /// </summary>
    public static async Task<CredentialRequest?> ReadAsync(HttpContext ctx, SimulatorHub hub, string secretField,
        Action<SimulatorHub> rejected, bool grantTypeRequired = true)
    {
        JsonElement root;
        try
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body).ConfigureAwait(false);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return await Refuse(400, "EGW00002", "요청 본문이 올바른 JSON이 아닙니다. (invalid JSON body)").ConfigureAwait(false);
        }

        var appKey = Field(root, "appkey");
        var secret = Field(root, secretField);
        if (grantTypeRequired && Field(root, "grant_type") != "client_credentials")
            return await Refuse(400, "EGW00101", "grant_type은 client_credentials 이어야 합니다. (grant_type must be client_credentials)").ConfigureAwait(false);
        if (string.IsNullOrEmpty(appKey))
            return await Refuse(400, "EGW00102", "appkey가 없습니다. (appkey is missing)").ConfigureAwait(false);
        if (string.IsNullOrEmpty(secret))
            return await Refuse(400, "EGW00104", $"{secretField}가 없습니다. ({secretField} is missing)").ConfigureAwait(false);
        var credential = hub.Options.Credentials.FirstOrDefault(c => c.AppKey == appKey);
        if (credential is null)
            return await Refuse(403, "EGW00103", "유효하지 않은 AppKey입니다. (invalid appkey)").ConfigureAwait(false);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(credential.AppSecret), Encoding.UTF8.GetBytes(secret)))
            return await Refuse(403, "EGW00105", $"유효하지 않은 AppSecret입니다. (invalid {secretField})").ConfigureAwait(false);
        return new CredentialRequest(credential, root);

        async Task<CredentialRequest?> Refuse(int status, string code, string description)
        {
            rejected(hub);
            await RestEndpoints.Error(ctx, hub, status, code, description).ConfigureAwait(false);
            return null;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"CredentialRequest {{ {Credential} }}";
}
