using System.Globalization;

namespace Kis.Realtime.Cli.Configuration;

/// <summary>Durations as people type them: <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, or a TimeSpan (<c>00:00:30</c>).</summary>
internal static class Duration
{
    // Timers (CancelAfter) take at most int.MaxValue milliseconds, about 24.8 days.
    private const double MaxMilliseconds = int.MaxValue;

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        (string suffix, double scale)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
            {
                var ms = n * scale;
                if (!double.IsFinite(ms) || ms > MaxMilliseconds) return false;
                value = TimeSpan.FromMilliseconds(ms);
                return true;
            }
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero && value.TotalMilliseconds <= MaxMilliseconds;
    }

    public static TimeSpan Parse(string? text, string optionName)
        => TryParse(text, out var value) ? value : throw new CliUsageException($"{optionName}: '{text}' is not a duration (e.g. 500ms, 5s, 2m).");
}
