using Kis.Realtime.Cli.Output;
using Kis.Realtime.Formatting;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// The recording's messages to records for <c>kisrt export</c>, decoded as <c>kisrt record</c> writes its JSON Lines:
/// control replies teach each session's notice keys, a data frame is checked in full before any of its records goes out
/// (a frame is exported whole or not at all), and a record's key is its first field. What cannot be exported is reported
/// on stderr with its place in the recording (the first <see cref="DecodeCommand.ReportedBadLines"/>, then a total).
/// One owner: the export's loop.
/// </summary>
internal sealed class RecordExport(IRecordSink sink, TextWriter stderr) : IDisposable
{
    private readonly Dictionary<int, FrameDecoder> _decoders = new(); // notice keys are per session
    private byte[] _record = new byte[1024];

    public long Messages { get; private set; }
    public long Records { get; private set; }
    public long Failed { get; private set; }
    private long _reported;

    /// <summary>Records exported per TR id, by id.</summary>
    public SortedDictionary<string, long> PerTr { get; } = new(StringComparer.Ordinal);

    public void Add(in RecordedMessage message, IReadOnlySet<string>? trIds)
    {
        Messages++;
        if (message.IsStoredRecord)
        {
            AddStored(message, trIds);
            return;
        }
        var data = message.Data.Span;
        if (!_decoders.TryGetValue(message.Session, out var decoder)) _decoders[message.Session] = decoder = new FrameDecoder();
        switch (DataFrame.Classify(data))
        {
            case MessageKind.Control:
                if (!ControlMessage.TryParse(data, out var control)) Report(message.Source, new DecodeError(DecodeErrorKind.BadControlMessage).Describe());
                else decoder.Learn(control); // a reply with a notice key; PINGPONG and the rest carry nothing to export
                return;
            case MessageKind.Data:
                break;
            default:
                Report(message.Source, new DecodeError(data.IsEmpty ? DecodeErrorKind.Empty : DecodeErrorKind.UnknownMessage).Describe());
                return;
        }
        if (!DataFrame.TryParse(data, out var frame, out var error))
        {
            Report(message.Source, error.Describe());
            return;
        }
        if (trIds is not null && !trIds.Contains(frame.TrId.ToString())) return; // the folder hands on other TRs' frames too
        if (!decoder.TryOpen(frame, out var tr, out var records, out error))
        {
            Report(message.Source, error.Kind == DecodeErrorKind.UnknownTr ? $"unknown TR id {frame.TrId}" : error.Describe(tr));
            return;
        }
        var check = records; // a copy: the frame is read twice, checked whole, then exported
        while (check.TryNext(out var record))
        {
            if (!RecordJson.TryValidate(tr, record, out error))
            {
                Report(message.Source, (error with { RecordIndex = check.Index }).Describe(tr));
                return;
            }
        }
        while (records.TryNext(out var record)) Export(message, tr, FirstField(record), record, records.Index);
    }

    private void AddStored(in RecordedMessage message, IReadOnlySet<string>? trIds)
    {
        if (trIds is not null && !trIds.Contains(message.TrId!)) return;
        if (!KisTrs.TryGet(message.TrId!, out var tr))
        {
            Report(message.Source, $"unknown TR id {message.TrId}");
            return;
        }
        var record = message.Data.Span;
        if (!RecordJson.TryValidate(tr, record, out var error))
        {
            Report(message.Source, error.Describe(tr));
            return;
        }
        Export(message, tr, message.TrKey!, record, 0);
    }

    private void Export(in RecordedMessage message, TrDefinition tr, string key, ReadOnlySpan<byte> record, int index)
    {
        // The record may live in the decoder's buffer (a decrypted notice): a copy the sink reads before the next one.
        if (_record.Length < record.Length) _record = new byte[Math.Max(record.Length, _record.Length * 2)];
        record.CopyTo(_record);
        if (!sink.Write(new OutputRecord(tr, key, message.ReceivedAt, _record.AsMemory(0, record.Length))))
        {
            Report(message.Source,
                $"{tr.Id} record {index + 1}: a value does not fit the output's type (Parquet: a decimal with more than {ParquetTrFile.DecimalScale} places)");
            return;
        }
        Records++;
        PerTr[tr.Id] = PerTr.GetValueOrDefault(tr.Id) + 1;
    }

    /// <summary>The record's key as <c>kisrt record</c> writes it: its first field.</summary>
    private static string FirstField(ReadOnlySpan<byte> record)
    {
        var end = record.IndexOf((byte)'^');
        return KisText.Decode(end < 0 ? record : record[..end]);
    }

    /// <summary>Counts a line or record that is not exported and says where it is and why (the first ones; then only the total).</summary>
    public void Report(RecordingLocation location, string reason)
    {
        Failed++;
        Tell(location, reason);
    }

    /// <summary>Says where a line is and why it was not exported, counted elsewhere (the folder's unreadable lines).</summary>
    public void Tell(RecordingLocation location, string reason)
    {
        if (++_reported <= DecodeCommand.ReportedBadLines) stderr.WriteLine($"kisrt export: {location}: {reason}");
        else if (_reported == DecodeCommand.ReportedBadLines + 1) stderr.WriteLine("kisrt export: more bad lines; only the total is given from here");
    }

    public void Dispose()
    {
        foreach (var decoder in _decoders.Values) decoder.Dispose();
    }
}
