using System.CommandLine;
using Kis.Realtime;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;

var root = new RootCommand("kisrt: stream, record, decode and simulate the KIS (한국투자증권) real-time WebSocket API.")
{
    DecodeCommand.Create(),
    SimCommand.Create(),
    StreamCommand.Create(),
    RecordCommand.Create(),
};

// Exit codes: 0 done; 1 some input could not be decoded or a subscription was refused; 2 usage error;
// 3 the run failed (file, network, approval key).
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors) Console.Error.WriteLine($"kisrt: {error.Message}");
    Console.Error.WriteLine("kisrt: see 'kisrt --help'.");
    return 2;
}

var invocation = new InvocationConfiguration
{
    // Our own handler below: one line, no stack trace.
    EnableDefaultExceptionHandler = false,
    // Ctrl+C must leave time to release every registration and close the WebSocket (paced at 100 ms each):
    // a cut-short shutdown is what leaves KIS holding the app key "in use".
    ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
};
try
{
    return await parse.InvokeAsync(invocation);
}
catch (CliUsageException e)
{
    Console.Error.WriteLine($"kisrt: {e.Message}");
    return 2;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or OverflowException
                              or KisApprovalException or KisSubscriptionException or System.Net.Sockets.SocketException
                              or System.Net.Http.HttpRequestException or TimeoutException or Npgsql.NpgsqlException)
{
    Console.Error.WriteLine($"kisrt: {e.Message}");
    return 3;
}
