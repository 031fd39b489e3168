using System.Buffers;
using System.CommandLine;
using Kis.Realtime.Cli.IO;
using Kis.Realtime.Formatting;

namespace Kis.Realtime.Cli.Commands;

/// <summary><c>kisrt decode [FILE]</c>: raw server messages (one per line, stdin when no file) to JSON Lines.</summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo?>("FILE")
        {
            Description = "File of raw server messages, one per line (a `kisrt record` raw file works too). Standard input when omitted.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("decode", "Decode raw KIS messages to JSON Lines: one object per record, in input order.") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file);
            using var input = path is null ? Console.OpenStandardInput() : path.OpenRead();
            using var output = Console.OpenStandardOutput();
            return Run(input, output, Console.Error);
        });
        return command;
    }

    /// <summary>Decodes every line; returns 0 when every line was decoded or was a control message, 1 otherwise.</summary>
    public static int Run(Stream input, Stream output, TextWriter errors)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        // Output goes out whenever input must be waited for: `tail -f raw.log | kisrt decode` stays live.
        var reader = new ByteLineReader(input, () =>
        {
            if (buffer.WrittenCount == 0) return;
            output.Write(buffer.WrittenSpan);
            output.Flush();
            buffer.ResetWrittenCount();
        });
        using var decoder = new FrameToJson();
        var scratch = new ArrayBufferWriter<byte>(4096);
        var lineNumber = 0;
        var failed = 0;
        while (reader.TryReadLine(out var line))
        {
            lineNumber++;
            var message = RawMessageLine.Parse(line, scratch, out _);
            if (message.Trim(" \t"u8).IsEmpty) continue; // blank lines carry no message
            if (decoder.Decode(message, buffer, out var reason) == FrameToJson.Outcome.Error)
            {
                failed++;
                errors.WriteLine($"kisrt decode: line {lineNumber}: {reason}");
            }

            if (buffer.WrittenCount >= 32 * 1024)
            {
                output.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        output.Write(buffer.WrittenSpan);
        output.Flush();
        return failed == 0 ? 0 : 1;
    }
}
