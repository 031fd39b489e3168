using System.Text;

namespace Kis.Realtime;

/// <summary>
/// One KIS app key and its secret (앱키 / 앱시크릿). KIS allows one live WebSocket session per app key, with at most 41
/// registrations; give the client several credentials to go beyond that. The secret is never printed: not by
/// <see cref="ToString"/>, not in logs, not in exception messages.
/// </summary>
/// <param name="AppKey">The app key (appkey). Shown only abbreviated.</param>
/// <param name="AppSecret">The app secret (secretkey). Never shown.</param>
public sealed record KisCredential(string AppKey, string AppSecret)
{
    /// <summary>The app key abbreviated for display: its first four characters and its length.</summary>
    public string MaskedAppKey => Mask(AppKey);

    /// <summary>
    /// The one masking rule of every package (library, simulator, gateway, CLI) for a key-like value shown in a log, a
    /// message or a status: its first four characters and its length, never its tail (a key's last characters are as
    /// secret as the rest); eight characters or fewer show only the length.
    /// </summary>
    public static string Mask(string? value) => value switch
    {
        null or "" => "(empty)",
        { Length: <= 8 } => $"****({value.Length})",
        _ => $"{value[..4]}****({value.Length})",
    };

    /// <summary>
    /// The one cache key of what is issued for this credential (approval keys, access tokens): REST host, app key and a
    /// SHA-256 of the secret, so a key or token issued for one secret is never handed out for another (a wrong secret
    /// after a good run fails as a wrong secret). The secret itself is never stored.
    /// </summary>
    internal string CacheKey(Uri restBase)
    {
        var hash = Convert.ToHexStringLower(Transport.ManagedSha.Sha256(Encoding.UTF8.GetBytes(AppSecret)));
        return $"{restBase.GetLeftPart(UriPartial.Authority)}|{AppKey}|sha256:{hash}";
    }

    /// <summary>Prints the masked app key only.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("AppKey = ").Append(MaskedAppKey).Append(", AppSecret = ****");
        return true;
    }

    /// <summary>Throws a clear exception when a field is missing.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(AppKey)) throw new ArgumentException("A KIS credential needs an app key.", nameof(AppKey));
        if (string.IsNullOrWhiteSpace(AppSecret)) throw new ArgumentException($"The KIS credential {MaskedAppKey} has no app secret.", nameof(AppSecret));
    }
}
