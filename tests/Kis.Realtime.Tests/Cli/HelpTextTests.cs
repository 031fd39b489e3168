using System.CommandLine;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli;

namespace Kis.Realtime.Tests.Cli;

/// <summary>The <c>--help</c> of every kisrt command says what the command does, no more and no less.</summary>
public sealed class HelpTextTests
{
    /// <summary>Every command's path: <c>[]</c> (the root), <c>["stream"]</c>, <c>["gateway", "status"]</c> …</summary>
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        void Walk(Command command, string path)
        {
            data.Add(path);
            foreach (var sub in command.Subcommands) Walk(sub, (path + " " + sub.Name).Trim());
        }
        Walk(KisrtApp.CreateRoot(), "");
        return data;
    }

    private static async Task<string> HelpAsync(string path)
    {
        var output = new StringWriter();
        var exit = await KisrtApp.RunAsync([.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"], output, new StringWriter());
        Assert.Equal(0, exit);
        return output.ToString();
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task No_placeholder_is_left_in_the_text(string command)
    {
        var help = await HelpAsync(command);
        Assert.DoesNotMatch(@"\{\w+\}", help); // failed before: gateway's "({ns}.{TR})"
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_default_is_said_once(string command)
    {
        foreach (var line in (await HelpAsync(command)).Split('\n'))
        {
            var shown = Regex.Match(line, @"\[default: (?<value>[^\]]+)\]");
            if (!shown.Success) continue;
            // Failed before: "the PostgreSQL schema (default kis) [default: kis]", "(default 0: any free port …) [default: 0]".
            var description = line[..shown.Index];
            Assert.DoesNotMatch(new Regex($@"default:? {Regex.Escape(shown.Groups["value"].Value)}\b", RegexOptions.IgnoreCase), description);
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task An_optional_argument_is_shown_optional_in_the_command_list_and_the_usage(string command)
    {
        var root = KisrtApp.CreateRoot();
        var symbol = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Aggregate((Command)root, (c, name) => c.Subcommands.Single(s => s.Name == name));
        var listed = await HelpAsync(string.Join(' ', command.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1)));
        var own = await HelpAsync(command);
        foreach (var argument in symbol.Arguments)
        {
            var shown = argument.Arity.MinimumNumberOfValues == 0 ? $"[<{argument.Name}>]" : $"<{argument.Name}>";
            // Failed before: the root's list said "decode <FILE>" and "trs <TR>", as if they were required.
            Assert.Matches(new Regex($@"^  {Regex.Escape(symbol.Name + " " + shown)}\s", RegexOptions.Multiline), listed);
            Assert.Contains($"{symbol.Name} {shown}", own);
        }
    }

    [Fact]
    public async Task The_command_list_stays_aligned()
    {
        var help = await HelpAsync("");
        var rows = help[(help.IndexOf("Commands:", StringComparison.Ordinal) + "Commands:".Length)..].Split('\n')
            .Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("  ", StringComparison.Ordinal) && l[2] != ' ').ToList();
        Assert.Equal(KisrtApp.CreateRoot().Subcommands.Count, rows.Count);
        var columns = rows.Select(r => Regex.Match(r, @"^  \S.*?\s{2,}(?=\S)").Length).Distinct().ToList();
        Assert.Single(columns);
    }

    [Fact]
    public async Task Gateway_sub_says_it_holds_nothing_by_default()
    {
        var sub = (await HelpAsync("gateway")).Split('\n').Single(l => l.TrimStart().StartsWith("--sub ", StringComparison.Ordinal));
        // Failed before: "Default: one of each of the five services." — the gateway holds none unless told.
        Assert.DoesNotContain("five services", sub);
        Assert.Contains("Default: none", sub);
        var stream = (await HelpAsync("stream")).Split('\n').Single(l => l.TrimStart().StartsWith("--sub ", StringComparison.Ordinal));
        Assert.Contains("Default: one of each of the five services.", stream);
    }

    [Fact]
    public async Task Dashboard_sub_names_what_the_dashboard_adds_by_default()
    {
        var sub = (await HelpAsync("dashboard")).Split('\n').Single(l => l.TrimStart().StartsWith("--sub ", StringComparison.Ordinal));
        // Failed before: only "one of each of the five services", though the page also shows 005930's trades and book.
        Assert.Contains("the trades and order book of 005930", sub);
    }
}
