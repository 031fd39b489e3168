using System.Text.Json;
using Kis.Realtime.Simulator.Market;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// The paper venue's state file (issue 55, item 7): a restart of the simulator continues the day (accounts, cash,
/// positions, open orders, the order-number sequence, the market clock) instead of forgetting it. The file is JSON
/// (<see cref="VenueSnapshot"/>, versioned), written whole to a temporary file beside it and renamed over it, so a
/// reader never sees half of one: at most every <see cref="Interval"/> while the state changes, and at stop. A file that
/// cannot be read (not JSON, another version, inconsistent) is a <see cref="KisSimulatorStateException"/> naming it:
/// the simulator neither crashes on it nor starts over without saying so. One simulator at a time uses a file: a lock
/// file beside it (<c>.lock</c>) is held while it runs. Owns its timer, the lock file and the last bytes written; the
/// venue's state stays the venue's (<see cref="PaperVenue.Snapshot"/>, <see cref="PaperVenue.Restore"/>). What changes
/// between two writes is in the order journal beside it (<see cref="VenueJournal"/>, issue 73): an order is answered
/// once its line is on disk, and a start replays the journal after the snapshot; each write starts the journal over.
/// </summary>
internal sealed class VenueStateFile : IDisposable
{
    /// <summary>How often a changed state is written (a crash loses at most this much of the venue's day).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly FileStream _lock;
    private readonly Lock _gate = new(); // one writer at a time: the timer and the final save
    private PaperVenue? _venue;
    private MarketClock? _clock;
    private ITimer? _timer;
    private VenueJournal? _journal;
    private byte[] _written = []; // the last state written, its market time left out (a clock alone changes it every second)
    private DateTime _writtenTime;
    private bool _disposed;

    private VenueStateFile(string path, FileStream lockFile, int torn)
    {
        _path = path;
        _lock = lockFile;
        TornRecords = torn;
    }

    /// <summary>Journal lines the start found cut short by a crash (never acknowledged: ignored, and logged).</summary>
    public int TornRecords { get; }

    /// <summary>The file's full path.</summary>
    public string Path => _path;

    /// <summary>
    /// Opens <paramref name="path"/> for one simulator: takes its lock and reads the state it holds, its journal replayed
    /// after it (null when there is neither yet: a new venue). Throws <see cref="KisSimulatorStateException"/> when another simulator holds it or it cannot
    /// be read.
    /// </summary>
    public static (VenueStateFile File, VenueSnapshot? Saved) Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        FileStream lockFile;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            lockFile = new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e)
        {
            throw new KisSimulatorStateException(
                $"The state file {full} is in use by another simulator (its .lock is held): give this one another --state-file, or --no-state.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KisSimulatorStateException($"The state file {full} cannot be opened: {e.Message}", e);
        }
        try
        {
            var (state, torn) = VenueJournal.Replay(full, ReadSnapshotOnly(full));
            return (new VenueStateFile(full, lockFile, torn), state);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>The state on disk at <paramref name="path"/>: its snapshot with the journal after it (null when there is
    /// neither); a typed error when it is unreadable.</summary>
    public static VenueSnapshot? Read(string path) => VenueJournal.Replay(path, ReadSnapshotOnly(path)).State;

    /// <summary>The snapshot in <paramref name="path"/> alone, null when there is no such file; a typed error when it is unreadable.</summary>
    public static VenueSnapshot? ReadSnapshotOnly(string path)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(path)) return null;
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KisSimulatorStateException($"The state file {path} cannot be read: {e.Message}", e);
        }
        VenueSnapshot? snapshot;
        try
        {
            // The version first: a file of another shape is named as such, not as a field it lacks.
            using (var document = JsonDocument.Parse(bytes))
                if (!document.RootElement.TryGetProperty(nameof(VenueSnapshot.Version), out var version) || version.ValueKind != JsonValueKind.Number
                    || !VenueSnapshot.Reads(version.GetInt32()))
                    throw Incompatible(path, $"its version is {(version.ValueKind == JsonValueKind.Undefined ? "missing" : version.ToString())}, "
                        + $"this simulator reads version {VenueSnapshot.CurrentVersion}");
            snapshot = JsonSerializer.Deserialize(bytes, VenueSnapshotJson.Default.VenueSnapshot);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw Incompatible(path, $"it is not a state file this simulator wrote ({e.Message})", e);
        }
        if (snapshot?.Accounts is null || snapshot.Accounts.Any(a => a?.Number is null || a.Orders is null || a.Positions is null || a.HtsId is null
                || a.OwnerHash is null || a.Orders.Any(o => o?.Code is null) || a.Positions.Any(p => p?.Code is null)))
            throw Incompatible(path, "it lacks accounts, orders or positions");
        return snapshot;
    }

    private static KisSimulatorStateException Incompatible(string path, string why, Exception? inner = null)
        => new($"The state file {path} cannot be used: {why}. Move it away to start a new day, or run with --no-state.", inner);

    /// <summary>Keeps <paramref name="venue"/>'s state in the file from now on: every change in the journal before the
    /// call that made it answers, the whole state every <see cref="Interval"/> of <paramref name="time"/> when it changed,
    /// now (the journal replayed at the start folded in) and at <see cref="Dispose()"/>.</summary>
    public void Keep(PaperVenue venue, MarketClock clock, TimeProvider time, ILogger logger)
    {
        if (TornRecords > 0)
            logger.LogWarning("The state file's journal ended in {Count} line(s) a crash cut short (never acknowledged): ignored.", TornRecords);
        _journal = VenueJournal.Start(_path);
        venue.Journal(_journal);
        _venue = venue;
        _clock = clock;
        SaveOrWarn(logger, force: true);
        _timer = time.CreateTimer(_ => SaveOrWarn(logger), null, Interval, Interval);
    }

    /// <summary>The timer's save: a failure (a full disk) is logged and counted, and the next tick tries again.</summary>
    private void SaveOrWarn(ILogger logger, bool force = false)
    {
        try
        {
            Save(force);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _failedWrites);
            logger.LogWarning("The venue's state file {Path} could not be written ({Reason}); retrying in {Interval}.", _path, e.Message, Interval);
        }
    }

    private long _failedWrites;

    /// <summary>Writes that failed so far (each logged).</summary>
    public long FailedWrites => Interlocked.Read(ref _failedWrites);

    /// <summary>Writes the state now when it changed since the last write (or <paramref name="force"/>), atomically.</summary>
    public void Save(bool force = true)
    {
        if (_venue is null || _clock is null) return;
        lock (_gate)
        {
            if (_disposed) return;
            var now = _clock.Now();
            var snapshot = _venue.Snapshot(now);
            var state = JsonSerializer.SerializeToUtf8Bytes(snapshot with { MarketTime = default }, VenueSnapshotJson.Default.VenueSnapshot);
            // The clock alone moves every second: written with a change, at stop, or once a minute of market time.
            if (!force && state.AsSpan().SequenceEqual(_written) && now - _writtenTime < TimeSpan.FromMinutes(1)) return;
            Write(_path, snapshot);
            (_written, _writtenTime) = (state, now);
            _journal?.DeleteBefore(snapshot.Journal); // the snapshot holds what they did
        }
    }

    /// <summary>Writes <paramref name="snapshot"/> to <paramref name="path"/>: a temporary file beside it, flushed, renamed over it.</summary>
    public static void Write(string path, VenueSnapshot snapshot)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, snapshot, VenueSnapshotJson.Default.VenueSnapshot);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Stops the timer, writes the state a last time and lets the file go.</summary>
    public void Dispose() => Dispose(discard: false);

    /// <summary>As <see cref="IDisposable.Dispose"/>; <paramref name="discard"/>: lets the file go unwritten (a state that could not
    /// be restored stays as it was, for its owner to look at).</summary>
    public void Dispose(bool discard)
    {
        _timer?.Dispose();
        try
        {
            if (!discard) Save();
        }
        finally
        {
            lock (_gate) _disposed = true;
            try
            {
                _journal?.Dispose(crash: discard);
            }
            finally
            {
                _lock.Dispose(); // the state file let go whatever the journal's last write met
            }
        }
    }
}
