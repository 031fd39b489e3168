using System.Diagnostics.CodeAnalysis;
namespace Kis.Realtime.Internal;

/// <summary>
/// Opens a line file (<c>raw.log</c>, <c>*.jsonl</c>, <c>*.csv</c>) for appending so that a line torn by a crash
/// (a process killed in the middle of a write) is never appended onto. When the file does not end with '\n', the bytes
/// after its last '\n' are moved to <c>NAME.torn</c> (appended there as one line, synced) and the file is cut back to
/// its last complete line before anything new is written. Complete lines are never changed.
/// </summary>
[Experimental("KISRT0001")]
public static class LineFile
{
    /// <summary>Suffix of the file that keeps torn fragments, one per line, for inspection.</summary>
    public const string TornSuffix = ".torn";

    private const int ScanChunk = 64 * 1024;

    /// <summary>
    /// Opens (creating if missing) <paramref name="path"/> positioned at its end, after isolating a torn last line.
    /// Writes go straight to the OS (no user-space buffer). <paramref name="tornBytes"/> is the size of the fragment
    /// moved away, 0 when the file ended cleanly.
    /// </summary>
    public static FileStream OpenForAppend(string path, out long tornBytes)
    {
        var stream = new FileStream(path, OwnerOnly(FileMode.OpenOrCreate, FileAccess.ReadWrite));
        try
        {
            // Recorded lines may be decrypted notices (orders, fills) and raw.log keeps each session's notice key and
            // iv (kisrt decode needs them to decrypt the notices it recorded encrypted): readable by their owner only,
            // files of older versions included.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(stream.SafeFileHandle, OwnerReadWrite);
            tornBytes = IsolateTornTail(stream, path);
            stream.Seek(0, SeekOrigin.End);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The length of the file's complete lines: up to and including its last '\n' (0 when there is none).</summary>
    public static long CompleteLength(FileStream stream)
    {
        var buffer = new byte[ScanChunk];
        var end = stream.Length;
        while (end > 0)
        {
            var start = Math.Max(0, end - ScanChunk);
            var chunk = buffer.AsSpan(0, (int)(end - start));
            stream.Position = start;
            stream.ReadExactly(chunk);
            var newline = chunk.LastIndexOf((byte)'\n');
            if (newline >= 0) return start + newline + 1;
            end = start;
        }
        return 0;
    }

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Options for a line file: no user-space buffer, others may read while we write, created 0600.</summary>
    private static FileStreamOptions OwnerOnly(FileMode mode, FileAccess access)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.Read, BufferSize = 0 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerReadWrite;
        return options;
    }

    private static long IsolateTornTail(FileStream stream, string path)
    {
        var length = stream.Length;
        if (length == 0) return 0;
        var complete = CompleteLength(stream);
        if (complete == length) return 0;

        // Keep the fragment first (synced), then cut: a crash between the two only repeats the move on the next start.
        using (var torn = new FileStream(path + TornSuffix, OwnerOnly(FileMode.Append, FileAccess.Write)))
        {
            stream.Position = complete;
            stream.CopyTo(torn);
            torn.Write("\n"u8);
            torn.Flush(flushToDisk: true);
        }
        stream.SetLength(complete);
        stream.Flush(flushToDisk: true);
        return length - complete;
    }
}
