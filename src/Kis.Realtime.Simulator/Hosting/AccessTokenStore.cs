using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// REST access tokens (<c>POST /oauth2/tokenP</c>). As KIS: valid 24 hours, and a request within 6 hours of the last
/// issue for the same app key gets the same token back. Nothing on the WebSocket side checks them (it uses approval
/// keys); they exist so that clients which authenticate first (every KIS sample) get what they expect.
/// </summary>
internal sealed class AccessTokenStore(TimeProvider time)
{
    /// <summary>KIS's access-token lifetime (expires_in 86400).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>KIS hands out the same token again when asked within this long.</summary>
    public static readonly TimeSpan ReuseWindow = TimeSpan.FromHours(6);

    public sealed record Token(string Value, string AppKey, DateTimeOffset IssuedAt)
    {
        public DateTimeOffset ExpiresAt => IssuedAt + Lifetime;

        /// <inheritdoc/>
        public override string ToString() => $"Token {{ AppKey = {KisCredential.Mask(AppKey)}, IssuedAt = {IssuedAt:O} }}";
    }

    private readonly ConcurrentDictionary<string, Token> _tokens = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Token Issue(SimulatorCredential credential)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            Token? reusable = null;
            foreach (var (value, t) in _tokens)
            {
                if (now >= t.ExpiresAt) _tokens.TryRemove(value, out _);
                else if (t.AppKey == credential.AppKey && now - t.IssuedAt < ReuseWindow) reusable = t;
            }
            if (reusable is not null) return reusable;
            var token = new Token(NewJwtLikeValue(now), credential.AppKey, now);
            _tokens[token.Value] = token;
            return token;
        }
    }

    /// <summary>Revokes a token of this app key; false when it is unknown, expired or another app key's.</summary>
    public bool Revoke(string token, SimulatorCredential credential)
    {
        lock (_gate)
            return _tokens.TryGetValue(token, out var t) && t.AppKey == credential.AppKey
                && time.GetUtcNow() < t.ExpiresAt && _tokens.TryRemove(token, out _);
    }

    /// <summary>The live token with this value, or null (unknown, revoked, or expired: <paramref name="expired"/> says which).</summary>
    public Token? Find(string value, out bool expired)
    {
        expired = false;
        if (!_tokens.TryGetValue(value, out var t)) return null;
        if (time.GetUtcNow() < t.ExpiresAt) return t;
        expired = true;
        return null;
    }

    public int Count => _tokens.Count;

    /// <summary>A JWT-shaped random token (KIS's tokens are JWTs); it carries no app key or secret.</summary>
    private static string NewJwtLikeValue(DateTimeOffset now)
    {
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var header = B64(Encoding.UTF8.GetBytes("""{"typ":"JWT","alg":"HS512"}"""));
        var iat = now.ToUnixTimeSeconds();
        var exp = iat + (long)Lifetime.TotalSeconds;
        var (audience, id) = (Guid.NewGuid().ToString("D"), Guid.NewGuid().ToString("N"));
        var payload = B64(Encoding.UTF8.GetBytes(
            $$"""{"sub":"token","aud":"{{audience}}","prdt_cd":"","iss":"kis-realtime-simulator","exp":{{exp}},"iat":{{iat}},"jti":"{{id}}"}"""));
        return $"{header}.{payload}.{B64(RandomNumberGenerator.GetBytes(64))}";
    }
}
