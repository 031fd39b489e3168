using System.Globalization;

namespace Kis.Realtime.Cli.Configuration;

/// <summary>
/// Durations as people type them: <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, or a TimeSpan (<c>00:00:30</c>). A bare
/// number is refused: TimeSpan reads <c>5</c> as five days, and a user typing it meant seconds or minutes.
/// </summary>
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
        // Only the clock form (hh:mm:ss): a TimeSpan without a colon is a number of days.
        return text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value)
            && value >= TimeSpan.Zero && value.TotalMilliseconds <= MaxMilliseconds;
    }

    public static TimeSpan Parse(string? text, string optionName)
    {
        if (TryParse(text, out var value)) return value;
        if (IsBareNumber(text))
            throw new CliUsageException($"{optionName}: '{text!.Trim()}' needs a unit: {text.Trim()}s, {text.Trim()}m or {text.Trim()}h (or ms, or hh:mm:ss).");
        throw new CliUsageException($"{optionName}: '{text}' is not a duration (e.g. 500ms, 5s, 2m, 1h).");
    }

    /// <summary>
    /// A run's length (<c>--duration</c>): zero is refused, as a run that stops before it starts would end at once
    /// with a summary of nothing and exit 0, which looks like a run that worked.
    /// </summary>
    public static TimeSpan ParseRunLength(string? text, string optionName)
    {
        var value = Parse(text, optionName);
        if (value <= TimeSpan.Zero)
            throw new CliUsageException($"{optionName}: '{text!.Trim()}' would stop before anything starts: give a positive duration, e.g. 30s " +
                $"(or leave {optionName} out to run until Ctrl+C).");
        return value;
    }

    private static bool IsBareNumber(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
