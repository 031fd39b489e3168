namespace Kis.Realtime.Cli.Output;

/// <summary>JSON Lines into one file per TR (<c>H0UPCNT0.jsonl</c> …), appending.</summary>
internal sealed class PerTrJsonLinesSink(string directory) : IRecordSink
{
    private readonly Dictionary<string, JsonLinesSink> _sinks = new();

    public void Write(in OutputRecord record)
    {
        if (!_sinks.TryGetValue(record.Tr.Id, out var sink))
        {
            Directory.CreateDirectory(directory);
            var stream = new FileStream(Path.Combine(directory, record.Tr.Id + ".jsonl"), FileMode.Append, FileAccess.Write, FileShare.Read);
            _sinks[record.Tr.Id] = sink = new JsonLinesSink(stream, ownsStream: true);
        }
        sink.Write(record);
    }

    public void Flush()
    {
        foreach (var sink in _sinks.Values) sink.Flush();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sink in _sinks.Values) await sink.DisposeAsync();
        _sinks.Clear();
    }
}
