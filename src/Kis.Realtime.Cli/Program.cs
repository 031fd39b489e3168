using System.CommandLine;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;

var root = new RootCommand("kisrt: stream, record, decode and simulate the KIS (한국투자증권) real-time WebSocket API.")
{
    DecodeCommand.Create(),
    SimCommand.Create(),
    StreamCommand.Create(),
    RecordCommand.Create(),
};
try
{
    // Our own handler: a usage error is one line and exit code 2, not a stack trace.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliUsageException e)
{
    Console.Error.WriteLine($"kisrt: {e.Message}");
    return 2;
}
