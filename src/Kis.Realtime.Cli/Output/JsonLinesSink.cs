using System.Text.Json;
using Kis.Realtime.Formatting;

namespace Kis.Realtime.Cli.Output;

/// <summary>The <c>kisrt decode</c> record objects plus <c>tr_key</c> and <c>received_at</c>, one per line.</summary>
internal sealed class JsonLinesSink(Stream output, bool ownsStream = false) : IRecordSink
{
    private readonly Utf8JsonWriter _json = new(output, RecordJson.WriterOptions);

    public void Write(in OutputRecord record)
    {
        RecordJson.Write(_json, record.Tr, record.Record.Span, record.TrKey, record.ReceivedAt);
        _json.Flush();
        output.WriteByte((byte)'\n');
        _json.Reset();
    }

    public void Flush() => output.Flush();

    public async ValueTask DisposeAsync()
    {
        Flush();
        await _json.DisposeAsync();
        if (ownsStream) await output.DisposeAsync();
    }
}
