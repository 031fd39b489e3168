using System.Buffers;

namespace Kis.Realtime.Internal;

/// <summary>
/// Append-only line files rotated by trading day: <c>DIR/yyyy-MM-dd/NAME</c>, the date in KST (UTC+9), the exchange's
/// day. Bytes collect in one pending buffer per file and reach the OS on <see cref="Commit"/> (no user-space buffer in
/// the FileStream): once it returns they survive a crash of this process. <see cref="Sync"/> fsyncs every file written
/// since the last sync, so they also survive a crash of the machine. A file opened after a crash has its torn last line
/// isolated first (<see cref="LineFile"/>).
/// </summary>
internal sealed class DailyFiles(string directory, Action<string>? notice = null) : IDisposable
{
    private readonly Dictionary<string, Entry> _files = new();

    private sealed class Entry(string day, string path, FileStream stream)
    {
        public readonly string Day = day;
        public readonly string Path = path;
        public readonly FileStream Stream = stream;
        public readonly ArrayBufferWriter<byte> Pending = new(64 * 1024);
        public bool Unsynced;
        public long BatchStart; // the file's length before the current commit: its last complete line
    }

    /// <summary>The folder of a trading day.</summary>
    public static string DayOf(DateTimeOffset at) => KoreaTime.DateOf(at).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Bytes waiting for <see cref="Commit"/>, all files together.</summary>
    public long PendingBytes
    {
        get
        {
            long total = 0;
            foreach (var entry in _files.Values) total += entry.Pending.WrittenCount;
            return total;
        }
    }

    /// <summary>Torn last lines found (and moved to <c>.torn</c> files) when opening files.</summary>
    public int TornLinesIsolated { get; private set; }

    /// <summary>The pending buffer of file <paramref name="name"/> for the day of <paramref name="at"/>; bytes reach the file on
    /// <see cref="Commit"/>.</summary>
    public IBufferWriter<byte> For(string name, DateTimeOffset at)
    {
        var day = DayOf(at);
        if (_files.TryGetValue(name, out var entry))
        {
            if (entry.Day == day) return entry.Pending;
            // A new trading day: the old day's file is finished, so it is committed, synced and closed now.
            entry.BatchStart = entry.Stream.Position;
            try
            {
                Flush(entry);
            }
            catch (IOException e)
            {
                CutBack(entry, e, notice);
                throw;
            }
            entry.Stream.Flush(flushToDisk: true);
            entry.Stream.Dispose();
        }

        var folder = Path.Combine(directory, day);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        var stream = LineFile.OpenForAppend(path, out var torn);
        if (torn > 0)
        {
            TornLinesIsolated++;
            notice?.Invoke($"{path} ended in a torn line ({torn:N0} bytes, left by a run that was killed, or by a failed write that could not be cut back): " +
                $"moved it to {name}{LineFile.TornSuffix} and appending after the last complete line.");
        }
        var created = new Entry(day, path, stream);
        _files[name] = created; // replacing keeps the entry's place: files are committed in first-use order (raw first)
        return created.Pending;
    }

    /// <summary>Writes every pending byte to the OS (survives this process, not yet a power loss).</summary>
    /// <remarks>
    /// When a write fails (a full disk), every file of the batch is cut back to where the batch started: what was not
    /// counted as written is not in any file, and no fragment is left for a later run to report as torn.
    /// </remarks>
    public void Commit()
    {
        foreach (var entry in _files.Values) entry.BatchStart = entry.Stream.Position;
        try
        {
            foreach (var entry in _files.Values) Flush(entry);
        }
        catch (IOException e)
        {
            foreach (var entry in _files.Values)
                if (entry.Stream.Length != entry.BatchStart) CutBack(entry, e, notice);
            throw;
        }
    }

    /// <summary>Commits, then fsyncs every file written since the last sync (survives a crash of the machine).</summary>
    public void Sync()
    {
        Commit();
        foreach (var entry in _files.Values)
        {
            if (!entry.Unsynced) continue;
            entry.Stream.Flush(flushToDisk: true);
            entry.Unsynced = false;
        }
    }

    private static void Flush(Entry entry)
    {
        if (entry.Pending.WrittenCount == 0) return;
        entry.Stream.Write(entry.Pending.WrittenSpan);
        entry.Pending.ResetWrittenCount();
        entry.Unsynced = true;
    }

    /// <summary>
    /// A write failed part-way (a full disk writes what fits): the part of the batch that reached the file is cut off,
    /// so the file ends with its last complete line and no later run mistakes the fragment for one left by a kill. The
    /// batch was never counted as written. Cutting frees space, so it works on a full disk.
    /// </summary>
    private static void CutBack(Entry entry, IOException failure, Action<string>? notice)
    {
        var complete = entry.BatchStart;
        try
        {
            var partial = entry.Stream.Length - complete;
            entry.Stream.SetLength(complete);
            entry.Stream.Position = complete;
            notice?.Invoke($"writing {entry.Path} failed ({failure.Message}); " +
                           $"cut it back to its last complete line ({partial:N0} bytes of the failed batch removed).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            notice?.Invoke($"writing {entry.Path} failed ({failure.Message}) and it could not be cut back ({e.Message}): " +
                           "its last line is torn by this failed write (not by a killed run).");
        }
    }

    /// <summary>Closes every file without committing or syncing (after a failed write).</summary>
    public void Abandon()
    {
        foreach (var entry in _files.Values) entry.Stream.Dispose();
        _files.Clear();
    }

    public void Dispose()
    {
        try
        {
            Sync();
        }
        finally
        {
            foreach (var entry in _files.Values) entry.Stream.Dispose();
            _files.Clear();
        }
    }
}
