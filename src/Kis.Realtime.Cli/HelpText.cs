using System.CommandLine;
using System.Text;

namespace Kis.Realtime.Cli;

/// <summary>Corrections to System.CommandLine's help text that its public API does not offer.</summary>
internal static class HelpText
{
    /// <summary>
    /// In the list of commands, System.CommandLine names every argument <c>&lt;FILE&gt;</c>, required or not, while the
    /// usage line brackets an optional one: the list is made to say <c>decode [&lt;FILE&gt;]</c> too, its descriptions
    /// realigned (also their wrapped lines).
    /// </summary>
    public static string MarkOptionalArguments(string help, Command root)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var command in root.Subcommands.Where(c => c.Arguments.Any(a => !a.Hidden)))
        {
            var arguments = command.Arguments.Where(a => !a.Hidden).Select(a => $"<{a.HelpName ?? a.Name}>").ToList();
            var optional = command.Arguments.Where(a => !a.Hidden)
                .Select(a => a.Arity.MinimumNumberOfValues == 0 ? $"[<{a.HelpName ?? a.Name}>]" : $"<{a.HelpName ?? a.Name}>");
            labels[$"{command.Name} {string.Join(' ', arguments)}"] = $"{command.Name} {string.Join(' ', optional)}";
        }
        var lines = help.Split('\n');
        var heading = Array.FindIndex(lines, l => l.TrimEnd('\r') == "Commands:");
        if (heading < 0 || labels.Values.All(v => !v.Contains('['))) return help;
        var end = Array.FindIndex(lines, heading + 1, l => l.Trim().Length == 0);
        if (end < 0) end = lines.Length;

        // A row is "  label  description"; a wrapped description continues on lines indented to the column.
        const string Indent = "  ";
        var rows = new List<(string Label, List<string> Text)>();
        var oldColumn = 0;
        for (var i = heading + 1; i < end; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var gap = line.IndexOf("  ", Indent.Length, StringComparison.Ordinal);
            if (line.StartsWith(Indent, StringComparison.Ordinal) && line[Indent.Length] != ' ' && gap > 0)
            {
                var label = line[Indent.Length..gap];
                oldColumn = Math.Max(oldColumn, line.Length - line[gap..].TrimStart().Length);
                rows.Add((labels.GetValueOrDefault(label, label), [line[gap..].TrimStart()]));
            }
            else if (rows.Count > 0)
            {
                rows[^1].Text.Add(line.TrimStart());
            }
            else
            {
                return help; // not the layout this expects: leave it as it is
            }
        }
        var column = Math.Max(oldColumn, Indent.Length + rows.Max(r => r.Label.Length) + 2);
        var block = new StringBuilder();
        foreach (var (label, text) in rows)
        {
            block.Append(Indent).Append(label.PadRight(column - Indent.Length)).Append(text[0]).Append('\n');
            foreach (var more in text.Skip(1)) block.Append(new string(' ', column)).Append(more).Append('\n');
        }
        return string.Join('\n', lines[..(heading + 1)]) + "\n" + block + string.Join('\n', lines[end..]);
    }
}
