using System.Diagnostics.CodeAnalysis;
using System.Buffers;
using System.Text.Json;
using Kis.Realtime.Formatting;
using Kis.Realtime.Protocol;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
#pragma warning disable RS0026 // Experimental plumbing: its overloads are not a compatibility promise.
namespace Kis.Realtime.Internal;

/// <summary>
/// Turns raw server messages into JSON Lines the way a live session would see them: control replies teach notice
/// keys, PINGPONG and other control messages print nothing, each data frame prints one object per record. A frame is
/// validated in full before any of it is written, so a bad frame prints nothing rather than half.
/// </summary>
[Experimental("KISRT0001")]
public sealed class FrameToJson : IDisposable
{
    private readonly FrameDecoder _decoder = new();
    private readonly ArrayBufferWriter<byte> _pending = new(16 * 1024);

    /// <summary>Records written by the last <see cref="Outcome.Records"/> decode.</summary>
    public int LastRecordCount { get; private set; }

    /// <summary>What a message turned out to be.</summary>
    public enum Outcome { Records, Control, Error }

    /// <summary>
    /// Decodes one message and appends its JSON lines to <paramref name="output"/>. On error, <paramref name="reason"/>
    /// says why and nothing is written.
    /// </summary>
    public Outcome Decode(ReadOnlySpan<byte> message, IBufferWriter<byte> output, out string? reason, string? trKey = null, DateTimeOffset? receivedAt = null)
        => Decode(message, _ => output, out reason, trKey, receivedAt);

    /// <summary>
    /// As above, choosing the output by TR. With <paramref name="keyFromFirstField"/>, each record's
    /// <c>tr_key</c> is its first field, which is the subscription key for every seed TR.
    /// </summary>
    public Outcome Decode(ReadOnlySpan<byte> message, Func<TrDefinition, IBufferWriter<byte>> outputFor, out string? reason,
        string? trKey = null, DateTimeOffset? receivedAt = null, bool keyFromFirstField = false)
    {
        reason = null;
        switch (DataFrame.Classify(message))
        {
            case MessageKind.Control:
                if (!ControlMessage.TryParse(message, out var control))
                {
                    reason = new DecodeError(DecodeErrorKind.BadControlMessage).Describe();
                    return Outcome.Error;
                }
                return Classify(control, out reason);

            case MessageKind.Data:
                break;

            default:
                reason = new DecodeError(message.IsEmpty ? DecodeErrorKind.Empty : DecodeErrorKind.UnknownMessage).Describe();
                return Outcome.Error;
        }

        if (!DataFrame.TryParse(message, out var frame, out var error))
        {
            reason = error.Describe();
            return Outcome.Error;
        }

        if (!_decoder.TryOpen(frame, out var tr, out var records, out error))
        {
            reason = error.Kind == DecodeErrorKind.UnknownTr ? $"unknown TR id {frame.TrId}" : error.Describe(tr);
            return Outcome.Error;
        }

        _pending.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_pending, RecordJson.WriterOptions))
        {
            while (records.TryNext(out var record))
            {
                if (!RecordJson.TryValidate(tr, record, out error))
                {
                    reason = (error with { RecordIndex = records.Index }).Describe(tr);
                    return Outcome.Error;
                }
                var key = keyFromFirstField ? FirstField(record) : trKey;
                RecordJson.Write(json, tr, record, key, receivedAt);
                json.Flush();
                _pending.Write("\n"u8);
                json.Reset();
            }
        }

        outputFor(tr).Write(_pending.WrittenSpan);
        LastRecordCount = records.Index + 1;
        return Outcome.Records;
    }

    /// <summary>
    /// A control message is recognised only when it is one KIS sends: PINGPONG, or a reply to a request. Other JSON,
    /// and a successful reply whose notice key or iv cannot be used, are reported rather than passed over.
    /// </summary>
    private Outcome Classify(ControlMessage control, out string? reason)
    {
        reason = null;
        switch (control.Kind)
        {
            case ControlMessageKind.PingPong:
                return Outcome.Control;
            case ControlMessageKind.Other:
                reason = "JSON that is not a KIS message (neither PINGPONG nor a reply with body.rt_cd / msg_cd)";
                return Outcome.Error;
        }

        // Replies for TRs outside the table are recognised; their data frames are reported as unknown TRs.
        var hasKey = !string.IsNullOrEmpty(control.Key) || !string.IsNullOrEmpty(control.Iv);
        if (!control.IsSuccess || !hasKey || control.TrId is null || !KisTrs.TryGet(control.TrId, out _) || _decoder.Learn(control))
            return Outcome.Control;
        reason = control.HasCipherKey
            ? $"reply for {control.TrId} carries an unusable notice key or iv (AES-256-CBC needs a 32-byte key and a 16-byte iv)"
            : $"reply for {control.TrId} carries only one of output.key and output.iv";
        return Outcome.Error;
    }

    private static string FirstField(ReadOnlySpan<byte> record)
    {
        var end = record.IndexOf((byte)'^');
        return KisText.Decode(end < 0 ? record : record[..end]);
    }

    public void Dispose() => _decoder.Dispose();
}
