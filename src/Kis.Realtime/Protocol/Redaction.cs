using System.Text.RegularExpressions;

namespace Kis.Realtime.Protocol;

/// <summary>
/// Masks approval keys in server text before it reaches a log or an exception: KIS echoes the rejected key in
/// OPSP0011's <c>msg1</c> ("invalid approval : 062f61cb-c756-…").
/// </summary>
internal static partial class Redaction
{
    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex UuidLike();

    public static string? ServerText(string? text) =>
        text is null ? null : UuidLike().Replace(text, m => m.Value[..4] + "****");
}
