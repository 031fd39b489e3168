using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Output;
using Kis.Realtime.Tests.Packaging;
using Spectre.Console;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// The README's `stream` block is what `kisrt stream` shows on a terminal (issue 47, item 2). Failed before: the README
/// showed the plain layout of redirected output where a terminal gets a boxed table, and its status line had lost a
/// counter. The cells' values are the README's (a live run's); their layout, order and caption are the code's.
/// </summary>
public sealed class ReadmeStreamBlockTests
{
    private static string[] Block()
    {
        var readme = File.ReadAllText(Path.Combine(ReadmeSamples.RepositoryRoot(), "README.md")).ReplaceLineEndings("\n");
        var match = Regex.Match(readme, "<!-- output: stream -->\n```\n(?<text>.*?)```", RegexOptions.Singleline);
        Assert.True(match.Success, "README.md has no <!-- output: stream --> block");
        return match.Groups["text"].Value.TrimEnd('\n').Split('\n');
    }

    [Fact]
    public async Task The_first_line_is_what_stream_prints_without_credentials()
    {
        var stderr = new StringWriter();
        await StreamCommand.RunAsync(FastSimulator(), new StreamArgs { Format = "jsonl", Count = 1 }, Env(), new MemoryStream(), stderr, default).WaitAsync(
            CliTimeout);
        var printed = stderr.ToString().Split('\n')[0].TrimEnd('\r');
        var template = "^" + Regex.Replace(Regex.Escape(printed), @"127\\\.0\\\.0\\\.1:\d+", @"127\.0\.0\.1:\d+") + "$";
        Assert.Matches(template, Block()[0]);
    }

    [Fact]
    public void The_table_is_the_live_tables_layout_of_the_default_subscriptions()
    {
        var lines = Block()[1..];
        // Rows: the lines between the header's rule and the bottom border, cells between │.
        var rows = lines.SkipWhile(l => !l.StartsWith('├')).Skip(1).TakeWhile(l => l.StartsWith('│'))
            .Select(l => l.Split('│')[1..^1].Select(c => c.Trim()).ToArray()).ToList();
        Assert.Equal(SubscriptionSpec.DemoSet("simuser01").Select(s => SubscriptionSpec.TryParse(s, "simuser01", KisEnvironment.Real, out var spec, out _)
            ? $"{spec.Tr.Id} {spec.Key}" : s),
            rows.Select(r => $"{r[0]} {r[1]}"));
        var caption = lines[^1].Trim();
        var records = Regex.Match(caption, @"records ([\d,]+)").Groups[1].Value;
        Assert.Equal(StreamCommand.StatusLine(KisConnectionState.Connected, long.Parse(records, System.Globalization.NumberStyles.AllowThousands,
            System.Globalization.CultureInfo.InvariantCulture), new KisRealtimeStatistics()), caption);

        var table = LiveTable.Build(caption, rows.Select(r => new LiveTable.LiveRow(r[0], r[1], r[2], r[3], r[4], r[5])));
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        console.Profile.Capabilities.Unicode = true;
        console.Write(table);
        var rendered = writer.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').Select(l => l.TrimEnd()).ToArray();
        Assert.True(rendered.SequenceEqual(lines.Select(l => l.TrimEnd())),
            $"the README's table is not the live table's rendering; it would be:\n{string.Join('\n', rendered)}");
    }
}
