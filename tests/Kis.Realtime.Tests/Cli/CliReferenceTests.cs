using System.CommandLine;
using Kis.Realtime.Cli;
using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// docs/cli.md is the reference for every command: each command and each of its options, taken from the command line
/// itself, must appear there (the page had lost <c>gateway</c>, <c>gateway status</c> and options of <c>record</c> and
/// <c>sim</c>).
/// </summary>
public class CliReferenceTests
{
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var (path, _) in Walk(KisrtApp.CreateRoot(), "kisrt")) data.Add(path);
        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_and_option_is_in_the_cli_reference(string path)
    {
        var reference = File.ReadAllText(Path.Combine(ReadmeSamples.RepositoryRoot(), "docs", "cli.md"));
        var command = Walk(KisrtApp.CreateRoot(), "kisrt").Single(c => c.Path == path).Command;
        Assert.True(reference.Contains("`" + path, StringComparison.Ordinal), $"docs/cli.md does not show `{path}`");
        var missing = command.Options.Where(o => !o.Hidden && o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name is not ("--help" or "--version"))
            .Select(o => o.Name).Where(name => !reference.Contains(name, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"docs/cli.md does not document these options of {path}: {string.Join(", ", missing)}");
    }

    private static IEnumerable<(string Path, Command Command)> Walk(Command command, string path)
    {
        foreach (var sub in command.Subcommands)
        {
            var subPath = path + " " + sub.Name;
            yield return (subPath, sub);
            foreach (var nested in Walk(sub, subPath)) yield return nested;
        }
    }
}
