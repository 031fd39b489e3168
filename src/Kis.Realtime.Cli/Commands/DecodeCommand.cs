using System.Buffers;
using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Formatting;
using Kis.Realtime.Internal;

namespace Kis.Realtime.Cli.Commands;

/// <summary><c>kisrt decode [FILE]</c>: raw server messages (one per line, stdin when no file) to JSON Lines.</summary>
internal static class DecodeCommand
{
    /// <summary>Bad lines reported one by one; beyond this only the total is given (a binary file must not flood the terminal).</summary>
    public const int ReportedBadLines = 20;

    public static Command Create()
    {
        var file = new Argument<FileInfo?>("FILE")
        {
            Description = "Optional. File of raw server messages, one per line (a `kisrt record` raw file works too). Standard input when omitted.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("decode", "Decode raw KIS messages to JSON Lines: one object per record, in input order.") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file);
            using var input = path is null ? Console.OpenStandardInput() : OpenInput(path.FullName);
            using var output = Console.OpenStandardOutput();
            return Run(input, output, Console.Error);
        });
        return command;
    }

    /// <summary>Opens the input file, naming the problem when it cannot be read (a folder is not "access denied").</summary>
    public static Stream OpenInput(string path)
    {
        if (Directory.Exists(path))
            throw new CliRunException($"decode: {path} is a folder; give a file, e.g. {Path.Combine(path, "yyyy-MM-dd", RecordCommand.RawFileName)}.");
        if (!File.Exists(path)) throw new CliRunException($"decode: {path}: no such file.");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliRunException($"decode: cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Decodes every line; returns 0 when every line was decoded or was a control message, 1 otherwise. Bad lines are
    /// reported on <paramref name="errors"/> with their number, the first <see cref="ReportedBadLines"/> one by one,
    /// then a total.
    /// </summary>
    public static int Run(Stream input, Stream output, TextWriter errors, int maxLineLength = ByteLineReader.DefaultMaxLineLength)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        // Output goes out whenever input must be waited for: `tail -f raw.log | kisrt decode` stays live.
        var reader = new ByteLineReader(input, () =>
        {
            if (buffer.WrittenCount == 0) return;
            output.Write(buffer.WrittenSpan);
            output.Flush();
            buffer.ResetWrittenCount();
        }, maxLineLength);
        using var decoder = new FrameToJson();
        var scratch = new ArrayBufferWriter<byte>(4096);
        long lineNumber = 0, failed = 0, failedJson = 0;
        while (true)
        {
            var status = reader.Read(out var line);
            if (status == ByteLineReader.LineStatus.End) break;
            lineNumber++;
            string? reason = null;
            if (status == ByteLineReader.LineStatus.TooLong)
            {
                reason = $"line of {reader.SkippedLength:N0} bytes is longer than {maxLineLength:N0} bytes (no KIS message is); skipped";
            }
            else
            {
                var message = RawMessageLine.Parse(line, scratch, out _);
                if (message.Trim(" \t"u8).IsEmpty) continue; // blank lines carry no message
                decoder.Decode(message, buffer, out reason);
                if (reason is not null && message.TrimStart(" \t"u8) is [(byte)'{', ..]) failedJson++;
            }

            if (reason is not null)
            {
                failed++;
                if (failed <= ReportedBadLines) errors.WriteLine($"kisrt decode: line {lineNumber}: {reason}");
                else if (failed == ReportedBadLines + 1) errors.WriteLine($"kisrt decode: more bad lines; only the total is given from here");
            }

            if (buffer.WrittenCount >= 32 * 1024)
            {
                output.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        output.Write(buffer.WrittenSpan);
        output.Flush();
        if (failed > 0) errors.WriteLine($"kisrt decode: {failed:N0} of {lineNumber:N0} lines could not be decoded");
        // Decoded output fed back in (a .jsonl file): say what decode reads instead of only counting failures.
        if (failed > 0 && failedJson == failed)
            errors.WriteLine("kisrt decode: these lines are JSON, not raw KIS messages (already decoded?): decode reads a recording's raw.log " +
                $"(DIR/yyyy-MM-dd/{RecordCommand.RawFileName}) or what KIS sent");
        return failed == 0 ? CliFailures.Done : CliFailures.SomeInputFailed;
    }
}
