
using System.Diagnostics.CodeAnalysis;
namespace Kis.Realtime.Protocol;

/// <summary>
/// The per-session path from a data frame to its plain records: looks the TR up, decrypts notices with the keys
/// learned from this session's SUBSCRIBE SUCCESS replies, and checks the field arithmetic. Not thread-safe: one per
/// receive loop. The returned records are valid until the next call (decryption reuses one buffer).
/// </summary>
[Experimental("KISRT0001")]
public sealed class FrameDecoder : IDisposable
{
    private byte[] _plain = new byte[4096];

    /// <summary>The notice keys of this session (learned through <see cref="Learn"/>; tests set them directly).</summary>
    internal NoticeKeyring Keys { get; } = new();

    /// <summary>
    /// Learns the notice key from a control message, if it is a successful reply carrying one. Returns true when a key
    /// was stored. Replies without a TR id carry no usable key.
    /// </summary>
    public bool Learn(ControlMessage message)
    {
        if (message.Kind != ControlMessageKind.Reply || !message.IsSuccess || !message.HasCipherKey) return false;
        if (message.TrId is null || !KisTrs.TryGet(message.TrId, out var tr)) return false;
        return Keys.Set(tr.TrId, message.Key!, message.Iv!);
    }

    /// <summary>
    /// Opens a data frame: its TR, and a splitter over its plain records (decrypted when the frame's first character
    /// says so; the reply's <c>encrypt</c> flag is not trusted).
    /// </summary>
    public bool TryOpen(in DataFrame frame, out TrDefinition tr, out RecordSplitter records, out DecodeError error)
    {
        records = default;
        if (!KisTrs.TryGet(frame.TrId, out tr))
        {
            error = new DecodeError(DecodeErrorKind.UnknownTr);
            return false;
        }

        var payload = frame.Payload;
        if (frame.Encrypted)
        {
            if (!Keys.TryGet(frame.TrId, out var cipher))
            {
                error = new DecodeError(DecodeErrorKind.NoDecryptionKey);
                return false;
            }

            var needed = NoticeCipher.MaxPlaintextLength(payload.Length);
            if (_plain.Length < needed) _plain = new byte[Math.Max(needed, _plain.Length * 2)];
            if (!cipher.TryDecrypt(payload, _plain, out var written))
            {
                error = new DecodeError(DecodeErrorKind.DecryptionFailed);
                return false;
            }
            payload = _plain.AsSpan(0, written);
        }

        return RecordSplitter.TryCreate(payload, frame.RecordCount, tr.Fields.Count, out records, out error);
    }

    /// <summary>Forgets the session's notice keys (call when a connection is re-established).</summary>
    public void Reset() => Keys.Clear();

    /// <inheritdoc/>
    public void Dispose() => Keys.Dispose();
}
