using System.CommandLine;

namespace Kis.Realtime.Cli;

/// <summary>
/// Parse errors in words, every command alike: an unknown option or command is named with what it may have meant (the
/// one option it abbreviates, or the names a typo away), a command that needs one of its commands lists them, and an
/// unknown option's value is not reported as a second unknown word.
/// </summary>
internal static class UsageErrors
{
    // System.CommandLine's own text for a missing command, in the user's language: its message is replaced by the list.
    private static readonly string RequiredCommandMessage =
        new RootCommand { new Command("x") }.Parse([]).Errors.Select(e => e.Message).FirstOrDefault() ?? "";

    /// <summary>The lines to print (without the <c>kisrt: </c> prefix) for a parse that has errors.</summary>
    public static IEnumerable<string> Lines(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = KisrtApp.CommandPath(parse.CommandResult);
        var commands = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        var unmatched = parse.UnmatchedTokens;
        var reported = new List<string>();
        var unknownCommand = false;
        for (var i = 0; i < unmatched.Count; i++)
        {
            var token = unmatched[i];
            reported.Add(token);
            if (token.StartsWith('-'))
            {
                yield return UnknownOption(token, command, path);
                // `--dur 5s`: the 5s was the unknown option's value, not a word of its own.
                if (i + 1 < unmatched.Count && !unmatched[i + 1].StartsWith('-')) reported.Add(unmatched[++i]);
            }
            else if (commands.Count > 0 && !unknownCommand)
            {
                unknownCommand = true;
                var meant = Suggest(token, commands);
                yield return $"unknown command '{token}'{(meant.Count > 0 ? $" (did you mean {Or(meant)}?)" : "")}; " +
                    $"the commands{(command is RootCommand ? "" : $" of '{path}'")} are {string.Join(", ", commands)}.";
            }
            else if (commands.Count == 0)
            {
                yield return $"unexpected argument '{token}' for '{path}'.";
            }
        }

        var needsCommand = commands.Count > 0 && command.Action is null;
        if (needsCommand && !unknownCommand) yield return $"'{path}' needs a command: {string.Join(", ", commands)}.";
        foreach (var error in parse.Errors)
        {
            if (reported.Any(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal))) continue; // said above
            if (needsCommand && error.Message == RequiredCommandMessage) continue; // the list says it
            yield return KisrtApp.ParseErrorText(error.Message);
        }
    }

    private static string UnknownOption(string token, Command command, string path)
    {
        // `--dur=5s` and `--dur:5s` name the option before the separator.
        var name = token.Split('=', ':')[0];
        var options = OptionNames(command).ToList();
        var meant = Suggest(name, options);
        return meant.Count > 0
            ? $"unknown option '{name}' for '{path}'; did you mean {Or(meant)}?"
            : $"unknown option '{name}' for '{path}'.";
    }

    /// <summary>The command's options and those its parents pass down (<c>--help</c>), aliases included, hidden ones left out.</summary>
    private static IEnumerable<string> OptionNames(Command command)
    {
        foreach (var option in command.Options.Where(o => !o.Hidden))
        {
            yield return option.Name;
            foreach (var alias in option.Aliases) yield return alias;
        }
        foreach (var parent in command.Parents.OfType<Command>())
            foreach (var option in parent.Options.Where(o => o.Recursive && !o.Hidden))
                yield return option.Name;
    }

    /// <summary>
    /// What <paramref name="typed"/> may have meant: the one name it begins (an abbreviation, <c>--dur</c>), else the
    /// names fewest edits away (at most a third of its letters: <c>--fromat</c>, <c>strem</c>); four at most.
    /// </summary>
    internal static IReadOnlyList<string> Suggest(string typed, IEnumerable<string> names)
    {
        var candidates = names.Distinct(StringComparer.Ordinal).ToList();
        var prefixed = candidates.Where(n => n.Length > typed.Length && n.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).ToList();
        var letters = typed.TrimStart('-').Length;
        if (prefixed.Count is > 0 and <= 4 && letters >= 2) return prefixed;
        var limit = Math.Max(1, letters / 3);
        var near = candidates.Select(n => (Name: n, Distance: Distance(typed.ToLowerInvariant(), n.ToLowerInvariant())))
            .Where(c => c.Distance <= limit).ToList();
        if (near.Count == 0) return [];
        var best = near.Min(c => c.Distance);
        return near.Where(c => c.Distance == best).Select(c => c.Name).Take(3).ToList();
    }

    private static string Or(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";

    /// <summary>Edits between two words (insert, delete, replace, swap two neighbours): optimal string alignment.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1][];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i] = new int[b.Length + 1];
            d[i][0] = i;
        }
        for (var j = 0; j <= b.Length; j++) d[0][j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i][j] = Math.Min(Math.Min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = Math.Min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
        return d[a.Length][b.Length];
    }
}
