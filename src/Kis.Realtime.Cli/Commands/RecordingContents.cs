using System.Text;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// What a recording holds, as <c>--sub TR:KEY</c> words: said when a subscription found nothing in it, so the user sees
/// what to ask for instead of "0 bars".
/// </summary>
internal static class RecordingContents
{
    /// <summary>At most this many TR:KEY pairs are named; the rest are counted.</summary>
    private const int Shown = 12;

    /// <summary>The distinct TR:KEY pairs of the recording's data messages (plaintext frames; stored records), in order of appearance.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(KisRecordingSource recording, IReadOnlySet<string>? trIds, CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<string>();
        await foreach (var message in recording.ReadAsync(new ReplayQuery(TrIds: trIds), ct).ConfigureAwait(false))
        {
            var pair = message.IsStoredRecord ? $"{message.TrId}:{message.TrKey}" : PairOf(message.Data.Span);
            if (pair is not null && seen.Add(pair)) found.Add(pair);
        }
        return found;
    }

    /// <summary>One line for the subscription that found no trades: what the recording holds instead.</summary>
    public static string Describe(string subscription, string folder, IReadOnlyList<string> pairs) => pairs.Count == 0
        ? $"kisrt: {subscription}: the recording {folder} holds no trades of it, nor any other data"
        : $"kisrt: {subscription}: the recording {folder} holds no trades of it; it holds {FirstOf(pairs, Shown)} (give one as --sub)";

    /// <summary>"a, b, c and 9 more": the first <paramref name="shown"/> items named, the rest counted.</summary>
    public static string FirstOf(IReadOnlyList<string> items, int shown) =>
        string.Join(", ", items.Take(shown)) + (items.Count > shown ? $" and {items.Count - shown} more" : "");

    /// <summary>"0|H0STCNT0|002|005930^…": the TR id and the first record's key; null for control messages and encrypted frames (notices).</summary>
    private static string? PairOf(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 4 || frame[0] != (byte)'0' || frame[1] != (byte)'|') return null;
        var rest = frame[2..];
        var bar = rest.IndexOf((byte)'|');
        if (bar <= 0) return null;
        var tr = rest[..bar];
        rest = rest[(bar + 1)..];
        bar = rest.IndexOf((byte)'|');
        if (bar < 0) return null;
        rest = rest[(bar + 1)..];
        var caret = rest.IndexOf((byte)'^');
        var key = caret < 0 ? rest : rest[..caret];
        return key.IsEmpty ? null : $"{Encoding.ASCII.GetString(tr)}:{Encoding.UTF8.GetString(key)}";
    }
}
