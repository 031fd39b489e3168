using System.Buffers.Binary;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The form RabbitMQ gives a direct reply-to address: <c>amq.rabbitmq.reply-to.{pid}.{key}</c>, the pid being the
/// base64 of an Erlang external term (131, NEW_PID_EXT or PID_EXT, a UTF-8 atom for the node, then id, serial and
/// creation) and the key the base64 of 16 random bytes. Anything else is refused unanswered: publishing to a malformed
/// one makes RabbitMQ 3.10 fail the publisher's channel with an internal error (<c>case_clause</c> in its pid decoder) and
/// close the whole connection (541). A well-formed address can still name a node or process the broker does not know;
/// answers to these addresses therefore go over a connection of their own (<see cref="DirectReplyPublisher"/>).
/// </summary>
internal static class DirectReplyAddress
{
    public const string Prefix = "amq.rabbitmq.reply-to.";
    private const byte TermVersion = 131, NewPidExt = 88, PidExt = 103, AtomUtf8Ext = 118, SmallAtomUtf8Ext = 119;
    private const int KeyBytes = 16;

    public static bool IsWellFormed(string? replyTo)
    {
        if (replyTo is null || replyTo.Length > 255 || !replyTo.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var rest = replyTo.AsSpan(Prefix.Length);
        var dot = rest.IndexOf('.');
        if (dot <= 0 || rest[(dot + 1)..].Contains('.')) return false;
        Span<byte> pid = stackalloc byte[192];
        Span<byte> key = stackalloc byte[24];
        return Convert.TryFromBase64Chars(rest[..dot], pid, out var pidLength) && IsPidTerm(pid[..pidLength])
            && Convert.TryFromBase64Chars(rest[(dot + 1)..], key, out var keyLength) && keyLength == KeyBytes
            && IsCanonicalBase64(rest[..dot]) && IsCanonicalBase64(rest[(dot + 1)..]);
    }

    /// <summary>An external-format pid: version, tag, a node atom of printable ASCII with an '@', id, serial, creation.</summary>
    private static bool IsPidTerm(ReadOnlySpan<byte> term)
    {
        if (term.Length < 4 || term[0] != TermVersion || term[1] is not (NewPidExt or PidExt)) return false;
        int nameLength, at;
        switch (term[2])
        {
            case AtomUtf8Ext when term.Length >= 5:
                nameLength = BinaryPrimitives.ReadUInt16BigEndian(term[3..]);
                at = 5;
                break;
            case SmallAtomUtf8Ext:
                nameLength = term[3];
                at = 4;
                break;
            default:
                return false;
        }
        if (nameLength == 0 || term.Length < at + nameLength) return false;
        var name = term.Slice(at, nameLength);
        foreach (var b in name)
            if (b is < (byte)'!' or > (byte)'~') return false;
        if (name.IndexOf((byte)'@') <= 0) return false;
        // id and serial (4 bytes each), creation: 4 bytes in NEW_PID_EXT, 1 in PID_EXT; nothing after.
        return term.Length - at - nameLength == (term[1] == NewPidExt ? 12 : 9);
    }

    /// <summary>Plain base64 with its padding (what the broker writes): lengths in fours, no whitespace.</summary>
    private static bool IsCanonicalBase64(ReadOnlySpan<char> text)
    {
        if (text.Length % 4 != 0) return false;
        foreach (var c in text)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')) return false;
        return true;
    }
}
