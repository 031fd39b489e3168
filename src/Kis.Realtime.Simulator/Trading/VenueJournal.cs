using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// The paper venue's order journal (issue 73, finding 1: acknowledged = durable). Every venue call that changed the
/// state appends one line (<see cref="VenueJournalRecord"/>: the orders it touched, their accounts' cash and positions,
/// the order-number sequence) and an order's answer waits for <see cref="Commit"/>: the line written and fsync'd. Calls
/// that arrive together share one fsync (group commit: whoever writes takes everything appended so far). A start replays
/// the journal after the state file's snapshot (<see cref="Replay"/>); each snapshot starts a new generation file
/// (<see cref="Rotate"/>) and the older ones are deleted once it is on disk, so the journal holds only what came after
/// the last snapshot. Files: <c>STATE.journal.N</c> beside the state file. Two locks, never taken the other way round:
/// <c>_write</c> (the file: one write and fsync at a time) then <c>_gate</c> (the bytes appended, the sequence numbers).
/// </summary>
internal sealed class VenueJournal : IDisposable
{
    private readonly string _statePath;
    private readonly Lock _write = new();
    private readonly Lock _gate = new();
    private readonly ArrayBufferWriter<byte> _pending = new(4096);
    private long _appended, _durable, _recordsInGeneration;
    private FileStream _file; // under _write
    private long _generation, _goodLength;

    private VenueJournal(string statePath, long generation)
    {
        _statePath = statePath;
        _generation = generation;
        _file = Create(statePath, generation);
    }

    /// <summary>Starts a journal for <paramref name="statePath"/> in a new generation after every file there is.</summary>
    public static VenueJournal Start(string statePath)
        => new(statePath, Files(statePath).Select(f => f.Generation).DefaultIfEmpty(0).Max() + 1);

    /// <summary>The generation being written (a snapshot taken now records the one <see cref="Rotate"/> gives).</summary>
    public long Generation
    {
        get
        {
            lock (_write) return _generation;
        }
    }

    /// <summary>The journal files of <paramref name="statePath"/>, oldest generation first.</summary>
    public static IReadOnlyList<(long Generation, string Path)> Files(string statePath)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(statePath))!;
        var prefix = System.IO.Path.GetFileName(statePath) + ".journal.";
        if (!Directory.Exists(folder)) return [];
        return [.. Directory.EnumerateFiles(folder, prefix + "*")
            .Select(p => (Ok: long.TryParse(System.IO.Path.GetFileName(p)[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var g), g, p))
            .Where(f => f.Ok).Select(f => (f.g, f.p)).OrderBy(f => f.g)];
    }

    private static string FileName(string statePath, long generation) => $"{statePath}.journal.{generation.ToString(CultureInfo.InvariantCulture)}";

    // Unbuffered: each batch is one write(2); FileShare.Read lets an inspection (VenueStateFile.Read) read it meanwhile.
    private static FileStream Create(string statePath, long generation)
        => new(FileName(statePath, generation), FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);

    /// <summary>Appends <paramref name="record"/> (called under the venue's lock, so lines are in the venue's order);
    /// its sequence number, for <see cref="Commit"/>.</summary>
    public long Append(VenueJournalRecord record)
    {
        lock (_gate)
        {
            using (var writer = new Utf8JsonWriter(_pending))
                JsonSerializer.Serialize(writer, record, VenueJournalJson.Default.VenueJournalRecord);
            _pending.Write("\n"u8);
            _recordsInGeneration++;
            return ++_appended;
        }
    }

    /// <summary>Returns once record <paramref name="sequence"/> and every one before it are on disk (fsync'd); an
    /// <see cref="IOException"/> when they could not be written (they stay pending: the next commit tries again).</summary>
    public void Commit(long sequence)
    {
        if (Volatile.Read(ref _durable) >= sequence) return;
        lock (_write)
        {
            if (Volatile.Read(ref _durable) >= sequence) return; // a commit meanwhile took it along
            WritePending();
        }
    }

    /// <summary>Everything appended so far on disk (a notice goes out only after the change it tells is).</summary>
    public void CommitAll() => Commit(Interlocked.Read(ref _appended));

    /// <summary>Writes and fsyncs everything pending. Under <c>_write</c>.</summary>
    private void WritePending()
    {
        byte[] batch;
        long upTo;
        lock (_gate)
        {
            batch = _pending.WrittenSpan.ToArray();
            _pending.ResetWrittenCount();
            upTo = _appended;
        }
        if (batch.Length == 0) return;
        try
        {
            _file.Write(batch);
            _file.Flush(flushToDisk: true);
            _goodLength += batch.Length;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            Unwrite(batch); // pending again: a later commit writes it, none is lost from memory
            throw;
        }
        Volatile.Write(ref _durable, upTo);
    }

    /// <summary>A write that failed (a full disk): the file cut back to its last whole line, the batch pending again
    /// in front of what came meanwhile, so no half line sits between two whole ones. Under <c>_write</c>.</summary>
    private void Unwrite(byte[] batch)
    {
        try
        {
            _file.SetLength(_goodLength);
            _file.Position = _goodLength;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The start ignores a torn last line; a torn line before others would stop it with a typed error.
        }
        lock (_gate)
        {
            var later = _pending.WrittenSpan.ToArray();
            _pending.ResetWrittenCount();
            _pending.Write(batch);
            _pending.Write(later);
        }
    }

    /// <summary>
    /// Called under the venue's lock as it takes a snapshot: the current generation written out and a new one begun
    /// (unless nothing was appended to it); the generation the snapshot continues with. The older files go once the
    /// snapshot is on disk (<see cref="DeleteBefore"/>).
    /// </summary>
    public long Rotate()
    {
        lock (_write)
        {
            lock (_gate)
                if (_recordsInGeneration == 0) return _generation;
            WritePending();
            // The next file opened first: should that fail (a full disk, too many files), this one stays the journal.
            var next = Create(_statePath, _generation + 1);
            _file.Dispose();
            _file = next;
            _generation++;
            _goodLength = 0;
            lock (_gate) _recordsInGeneration = 0;
            return _generation;
        }
    }

    /// <summary>Deletes the files before <paramref name="generation"/> (a snapshot on disk holds what they did); one
    /// that cannot be deleted is skipped at every start, and tried again at the next snapshot.</summary>
    public void DeleteBefore(long generation)
    {
        foreach (var (g, path) in Files(_statePath))
        {
            if (g >= generation) break;
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next snapshot: Replay skips generations before the snapshot's.
            }
        }
    }

    /// <summary>Writes what is pending and closes the file (a clean stop).</summary>
    public void Dispose() => Dispose(crash: false);

    /// <summary>Closes the file; <paramref name="crash"/>: without writing what no commit asked for (as a crash would).</summary>
    public void Dispose(bool crash)
    {
        lock (_write)
        {
            try
            {
                if (!crash) WritePending();
            }
            finally
            {
                _file.Dispose();
            }
        }
    }

    /// <summary>
    /// <paramref name="snapshot"/> with every journal line of its generation and after applied, in order; and the
    /// torn lines ignored (a crash inside a write leaves the start of a line without its end: never acknowledged, since
    /// an answer waits for the whole line). A whole line that is not a record is a
    /// <see cref="KisSimulatorStateException"/> naming the file and line.
    /// </summary>
    public static (VenueSnapshot? State, int Torn) Replay(string statePath, VenueSnapshot? snapshot)
    {
        var state = snapshot is null ? null : new VenueStateBuilder(snapshot);
        var torn = 0;
        foreach (var (generation, path) in Files(statePath))
        {
            if (generation < (snapshot?.Journal ?? 0)) continue; // in the snapshot already (its deletion failed)
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new KisSimulatorStateException($"The state file's journal {path} cannot be read: {e.Message}", e);
            }
            var rest = bytes.AsSpan();
            for (var line = 1; rest.Length > 0; line++)
            {
                var end = rest.IndexOf((byte)'\n');
                if (end < 0)
                {
                    torn++; // the last write, cut short
                    break;
                }
                state ??= new VenueStateBuilder(null);
                state.Apply(Parse(path, line, rest[..end]));
                rest = rest[(end + 1)..];
            }
        }
        return (state?.Build(snapshot?.Journal ?? 0), torn);
    }

    private static VenueJournalRecord Parse(string path, int line, ReadOnlySpan<byte> text)
    {
        try
        {
            var record = JsonSerializer.Deserialize(text, VenueJournalJson.Default.VenueJournalRecord);
            if (record?.Accounts is null || record.Accounts.Any(a => a?.Number is null || a.Orders is null || a.Positions is null))
                throw new JsonException("it lacks accounts, orders or positions");
            return record;
        }
        catch (JsonException e)
        {
            throw new KisSimulatorStateException($"The state file's journal {path} cannot be used: line {line} is not a journal record ({e.Message}). "
                + "Move the state file and its journal away to start a new day, or run with --no-state.", e);
        }
    }
}

/// <summary>One line of the journal: what one venue call changed (the orders it touched; each account touched whole
/// but for its other orders: cash, costs, every position), and the order-number sequence and clocks after it.</summary>
internal sealed record VenueJournalRecord(DateTime MarketTime, DateTime Day, long LastOrderNumber, VenueAccountState[] Accounts);

/// <summary>The journal's lines, source-generated (Native AOT), one line each.</summary>
[JsonSerializable(typeof(VenueJournalRecord))]
internal sealed partial class VenueJournalJson : JsonSerializerContext;
