using System.Buffers;

namespace Kis.Realtime.Cli.IO;

/// <summary>
/// Append-only files rotated by trading day: <c>DIR/yyyy-MM-dd/NAME</c>, the date in KST (UTC+9), the exchange's
/// day. Writes go straight to the OS (no user-space buffer in the FileStream): once <see cref="Commit"/> returns, the
/// bytes survive a crash of this process.
/// </summary>
internal sealed class DailyFiles(string directory) : IDisposable
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);
    private readonly Dictionary<string, (string Day, FileStream Stream, ArrayBufferWriter<byte> Pending)> _files = new();

    /// <summary>The folder of a trading day.</summary>
    public static string DayOf(DateTimeOffset at) => at.ToOffset(Kst).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The pending buffer of file <paramref name="name"/> for the day of <paramref name="at"/>; bytes reach the file on <see cref="Commit"/>.</summary>
    public IBufferWriter<byte> For(string name, DateTimeOffset at)
    {
        var day = DayOf(at);
        if (_files.TryGetValue(name, out var entry) && entry.Day == day) return entry.Pending;
        if (entry.Stream is not null)
        {
            Flush(entry.Stream, entry.Pending);
            entry.Stream.Dispose();
        }

        var folder = Path.Combine(directory, day);
        Directory.CreateDirectory(folder);
        var stream = new FileStream(Path.Combine(folder, name), FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _files[name] = (day, stream, new ArrayBufferWriter<byte>(64 * 1024));
        return _files[name].Pending;
    }

    /// <summary>Writes every pending byte to the OS.</summary>
    public void Commit()
    {
        foreach (var (_, stream, pending) in _files.Values) Flush(stream, pending);
    }

    private static void Flush(FileStream stream, ArrayBufferWriter<byte> pending)
    {
        if (pending.WrittenCount == 0) return;
        stream.Write(pending.WrittenSpan);
        pending.ResetWrittenCount();
    }

    public void Dispose()
    {
        Commit();
        foreach (var (_, stream, _) in _files.Values) stream.Dispose();
        _files.Clear();
    }
}
