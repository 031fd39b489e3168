
using Kis.Realtime.Internal;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// JSON Lines into one file per TR (<c>H0UPCNT0.jsonl</c> …), appending. A file left with a torn last line by a killed
/// run has that fragment moved to <c>NAME.torn</c> first (<see cref="LineFile"/>), so new lines never extend it.
/// Lines reach the OS on <see cref="Flush"/> (the stream command flushes at least once a second).
/// </summary>
internal sealed class PerTrJsonLinesSink(string directory, Action<string>? notice = null) : IRecordSink
{
    private readonly Dictionary<string, JsonLinesSink> _sinks = new();

    public bool Write(in OutputRecord record)
    {
        if (!_sinks.TryGetValue(record.Tr.Id, out var sink))
        {
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, record.Tr.Id + ".jsonl");
            var file = LineFile.OpenForAppend(path, out var torn);
            if (torn > 0)
                notice?.Invoke($"{path} ended in a torn line ({torn:N0} bytes, left by a run that was killed, or by a failed write): moved it to " +
                    $"{record.Tr.Id}.jsonl{LineFile.TornSuffix}.");
            // The opener's stream writes straight to the OS; a buffer in front keeps one write per flush, not per line.
            var buffered = new BufferedStream(file, 64 * 1024);
            _sinks[record.Tr.Id] = sink = new JsonLinesSink(buffered, ownsStream: true);
        }
        return sink.Write(record);
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
