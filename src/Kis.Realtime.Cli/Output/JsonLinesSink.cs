using System.Buffers;
using System.Text.Json;
using Kis.Realtime.Formatting;

namespace Kis.Realtime.Cli.Output;

/// <summary>The <c>kisrt decode</c> record objects plus <c>tr_key</c> and <c>received_at</c>, one per line.</summary>
/// <remarks>
/// Each line is built in memory and handed to the output stream with one write; only <see cref="Flush"/> flushes the
/// stream. (A <see cref="Utf8JsonWriter"/> over the stream itself flushes the stream on every
/// <see cref="Utf8JsonWriter.Flush"/>: one write system call per record, whatever buffer sits in front of it.)
/// </remarks>
internal sealed class JsonLinesSink : IRecordSink
{
    private readonly Stream _output;
    private readonly bool _ownsStream;
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;

    public JsonLinesSink(Stream output, bool ownsStream = false)
    {
        _output = output;
        _ownsStream = ownsStream;
        _json = new Utf8JsonWriter(_line, RecordJson.WriterOptions);
    }

    /// <summary>
    /// Validates the record as <c>kisrt decode</c> does (<see cref="RecordJson.TryValidate"/>) before writing it: a value
    /// that is not a number its field allows ("-", "1e5", 99999999999999999999999 in an integer field, a value of a
    /// million digits) is not written at all (the caller counts a decode error), never written as invalid JSON or null.
    /// </summary>
    public bool Write(in OutputRecord record)
    {
        if (!RecordJson.TryValidate(record.Tr, record.Record.Span, out _)) return false;
        RecordJson.Write(_json, record.Tr, record.Record.Span, record.TrKey, record.ReceivedAt);
        _json.Flush(); // into _line
        _line.GetSpan(1)[0] = (byte)'\n';
        _line.Advance(1);
        _output.Write(_line.WrittenSpan);
        _line.ResetWrittenCount();
        _json.Reset();
        return true;
    }

    public void Flush() => _output.Flush();

    public async ValueTask DisposeAsync()
    {
        Flush();
        await _json.DisposeAsync();
        if (_ownsStream) await _output.DisposeAsync();
    }
}
