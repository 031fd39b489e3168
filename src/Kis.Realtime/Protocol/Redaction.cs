using System.Text;
using System.Text.RegularExpressions;

namespace Kis.Realtime.Protocol;

/// <summary>
/// Makes server text safe to show: a hostile or broken server may echo the request (app secret, app key), and KIS
/// echoes the rejected key in OPSP0011's <c>msg1</c> ("invalid approval : 062f61cb-c756-…"). Server text reaches a log,
/// an exception or the CLI only through <see cref="ServerText"/> (approval, token and REST errors alike).
/// </summary>
internal static partial class Redaction
{
    /// <summary>Server text is cut to this many characters (an error line, not a document).</summary>
    public const int MaxServerTextLength = 200;

    // More than this is never scanned: the regexes' work stays bounded whatever the server sends.
    private const int MaxScannedLength = 4096;

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex UuidLike();

    // Anything that looks like a key or token: a long run of letters, digits and base64/url-safe punctuation.
    [GeneratedRegex("[A-Za-z0-9+/=_-]{20,}")]
    private static partial Regex KeyLike();

    /// <summary>
    /// The text with every <paramref name="secrets"/> value (the app secret, app key, approval key, token), UUIDs and
    /// key-like runs masked; control and format characters replaced; cut to <see cref="MaxServerTextLength"/> characters.
    /// The server's words are never masked ("유효하지 않은 AppSecret입니다. (invalid secretkey)" stays whole): only values
    /// shaped like keys are, so a message keeps its sense and its parentheses.
    /// </summary>
    public static string? ServerText(string? text, params ReadOnlySpan<string?> secrets)
    {
        if (text is null) return null;
        var cut = text.Length > MaxScannedLength;
        if (cut) text = text[..MaxScannedLength];
        text = ReplaceKnown(text, secrets);
        text = UuidLike().Replace(text, m => m.Value[..4] + "****");
        text = KeyLike().Replace(text, m => KisCredential.Mask(m.Value));

        var clean = new StringBuilder(Math.Min(text.Length, MaxServerTextLength + 1));
        foreach (var c in text)
        {
            if (clean.Length == MaxServerTextLength)
            {
                cut = true;
                break;
            }
            // Terminal escapes, newlines (forged log lines) and bidi overrides are not shown as they are.
            if (char.IsControl(c)) clean.Append(' ');
            else if (char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format) clean.Append('?');
            else clean.Append(c);
        }
        if (cut) clean.Append('…');
        return clean.ToString();
    }

    /// <summary>
    /// A raw control message with every known secret and anything after an "approval"-like word masked, for what
    /// records raw messages (<c>raw.log</c>, <c>raw_messages</c>). Key-like runs are kept: a success reply's notice
    /// key and iv must stay decodable. Returns the message itself when nothing was masked.
    /// </summary>
    public static byte[] RawControlMessage(ReadOnlySpan<byte> message, IReadOnlyCollection<string> secrets)
    {
        var text = Encoding.UTF8.GetString(message);
        var masked = text;
        foreach (var secret in secrets)
            if (secret.Length >= 4) masked = masked.Replace(secret, "****", StringComparison.Ordinal);
        masked = ApprovalValue().Replace(masked, m => m.Groups[1].Value + KisCredential.Mask(m.Groups[2].Value));
        masked = UuidLike().Replace(masked, m => m.Value[..4] + "****");
        return masked == text ? message.ToArray() : Encoding.UTF8.GetBytes(masked);
    }

    // In a reply: "invalid approval : KEY" (msg1) or "approval_key":"KEY".
    [GeneratedRegex("""(?i)(approval[\w-]*["']?\s*[:=]?\s*["']?)([^\s"',;}\]\\]{4,})""")]
    private static partial Regex ApprovalValue();

    private static string ReplaceKnown(string text, ReadOnlySpan<string?> secrets)
    {
        foreach (var secret in secrets)
            if (!string.IsNullOrEmpty(secret) && secret.Length >= 4) text = text.Replace(secret, "****", StringComparison.Ordinal);
        return text;
    }
}
