using System.Diagnostics.CodeAnalysis;
namespace Kis.Realtime.Internal;

/// <summary>
/// HTTP for requests that carry a secret (approval key, access token, REST calls): one hardened handler and one
/// bounded reader, shared so every such request trusts a server equally little.
/// </summary>
[Experimental("KISRT0001")]
public static class BoundedHttp
{
    /// <summary>
    /// No redirects (a 307 would re-post the secret to wherever it points), no cookies, bounded headers, no draining of
    /// an answer that was abandoned (also the primary handler of the hosting package's named handler chain).
    /// </summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        MaxResponseHeadersLength = 16, // KiB
        MaxResponseDrainSize = 0,
    };

    /// <summary>The answer's bytes, or null when it is longer than <paramref name="maxBytes"/> (declared or not): read no further.</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes) return null;
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[maxBytes + 1];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0) return buffer[..length];
            length += read;
        }
        return null;
    }
}
