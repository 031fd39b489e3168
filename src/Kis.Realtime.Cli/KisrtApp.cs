using System.CommandLine;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli;

/// <summary>The <c>kisrt</c> command line: parsing, invocation and the one-line failure report with its exit code.</summary>
internal static class KisrtApp
{
    public static RootCommand CreateRoot() => new("kisrt: stream, record, decode and simulate the KIS (한국투자증권) real-time WebSocket API.")
    {
        DecodeCommand.Create(),
        SimCommand.Create(),
        StreamCommand.Create(),
        BarsCommand.Create(),
        ExportCommand.Create(),
        RecordCommand.Create(),
        TrsCommand.Create(),
        Dashboard.DashboardCommand.Create(),
        GatewayCommand.Create(),
        OrderCommand.Create(),
        BacktestCommand.Create(),
    };

    /// <summary>
    /// Runs <paramref name="args"/>. Exit codes: 0 done; 1 some input could not be decoded or a subscription was
    /// refused; 2 usage error; 3 the run failed (file, network, approval key). Help and parse errors go to the given
    /// writers (the console by default); command output goes to the console.
    /// </summary>
    /// <remarks><paramref name="stop"/> is Ctrl+C/SIGTERM (<see cref="Hosting.StopSignals"/>): the token every command
    /// runs under.</remarks>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken stop = default)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = CreateRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var line in UsageErrors.Lines(parse)) await error.WriteLineAsync($"kisrt: {line}");
            await error.WriteLineAsync($"kisrt: see '{CommandPath(parse.CommandResult)} --help'.");
            return CliFailures.Usage;
        }

        if (parse.Action is System.CommandLine.Help.HelpAction)
        {
            // Rendered first, then written with the optional arguments marked (the help builder's list cannot be told).
            var help = new StringWriter();
            var exit = await parse.InvokeAsync(new InvocationConfiguration { Output = help, Error = error }, stop);
            await output.WriteAsync(HelpText.MarkOptionalArguments(help.ToString(), parse.RootCommandResult.Command));
            return exit;
        }

        var invocation = new InvocationConfiguration
        {
            // Our own handler below: one line, no stack trace.
            EnableDefaultExceptionHandler = false,
            // Signals are ours from the process's first line (Hosting/StopSignals.cs, with the same 30 s grace), not
            // only once a command is invoked.
            ProcessTerminationTimeout = null,
            Output = output,
            Error = error,
        };
        return await GuardAsync(() => parse.InvokeAsync(invocation, stop), error);
    }

    // System.CommandLine names the CLR type ("as expected type 'System.Nullable`1[System.Int64]'"): say it in words.
    private static readonly System.Text.RegularExpressions.Regex CannotParse = new(
        @"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.?$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>The command as typed, e.g. <c>kisrt order cancel</c>: its own help is the one that lists what is missing.</summary>
    internal static string CommandPath(System.CommandLine.Parsing.CommandResult command)
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.SymbolResult? r = command; r is System.CommandLine.Parsing.CommandResult c; r = c.Parent)
            names.Insert(0, c.Command is RootCommand ? "kisrt" : c.Command.Name);
        return string.Join(' ', names);
    }

    /// <summary>A parse error as one readable line, e.g. <c>--count: 'abc' is not a number</c>.</summary>
    internal static string ParseErrorText(string message)
    {
        var match = CannotParse.Match(message);
        if (!match.Success) return message;
        var type = match.Groups["type"].Value;
        var expected =
            type.Contains("Int", StringComparison.Ordinal) || type.Contains("Double", StringComparison.Ordinal) || type.Contains("Decimal",
                StringComparison.Ordinal) ? "a number"
            : type.Contains("TimeSpan", StringComparison.Ordinal) ? "a duration"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "a valid value";
        return $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {expected}";
    }

    /// <summary>Runs a command and turns an expected failure into its one line on <paramref name="error"/> and its exit code.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> command, TextWriter error)
    {
        try
        {
            return await command();
        }
        catch (Exception e) when (CliFailures.Describe(e) is { } failure)
        {
            await error.WriteLineAsync($"kisrt: {failure.Message}");
            return failure.ExitCode;
        }
    }
}
