using System.CommandLine;
using Kis.Realtime.Cli.Commands;

var root = new RootCommand("kisrt: stream, record, decode and simulate the KIS (한국투자증권) real-time WebSocket API.")
{
    DecodeCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
