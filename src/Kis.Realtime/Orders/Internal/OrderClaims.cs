using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Internal;

/// <summary>
/// Which order call holds which order number, for one account: the calls of this client and, with a journal folder,
/// of every handle of the account on this machine (other clients, other processes, earlier runs), through the
/// account's <see cref="OrderJournalFile"/>. A call is written down before it is sent (<see cref="BeginAsync"/>), a
/// number is taken under the journal's lock after reading what the other handles took (<see cref="ClaimAsync"/>), and
/// a call whose answer was lost is marked so (<see cref="LostAsync"/>). Each live handle holds a lock file of its own
/// (<c>owners/OWNER.lock</c>): a call of a handle whose lock is free (a crash, a stop) is no longer in flight, and
/// <see cref="AdoptAsync"/> hands it to the caller to reconcile. Without a folder: the same lines in this process's memory
/// (<see cref="OrderMemoryJournal"/>), shared by the live clients of the account. One lock (<c>_gate</c>), held across the
/// journal's short use and never across an HTTP call.
/// </summary>
internal sealed partial class OrderClaims : IDisposable
{
    /// <summary>Days of journal files kept (a file a day; only today's is read).</summary>
    private const int KeepDays = 7;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "A call still finishing after Dispose waits on it; it holds no handle unless AvailableWaitHandle is read")]
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string? _folder;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly FileStream? _ownerLock;
    private readonly Dictionary<string, Entry> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JournalLine> _numbers = new(StringComparer.Ordinal); // normalized number: the claim holding it
    private readonly HashSet<string> _gone = new(StringComparer.Ordinal);
    private readonly string _key;
    private readonly Lock _memoryGate = new(); // joining and leaving the memory journal: a use against Dispose
    private OrderJournalFile? _file;
    private OrderMemoryJournal? _memory;
    private int _memoryRead;
    private bool _disposed;
    private DateOnly _day;

    /// <summary>Claims in this client's memory only (<paramref name="journalFolder"/> null), or shared through the
    /// journal of account <paramref name="key"/> under <paramref name="journalFolder"/>.</summary>
    public OrderClaims(string? journalFolder, string key, TimeProvider clock, ILogger logger)
    {
        _clock = clock;
        _logger = logger;
        _key = key;
        if (journalFolder is null)
        {
            // Joined at once: what this client leaves unresolved stays for the others even before its first call.
            NewDayIfDue();
            return;
        }
        _folder = Path.Combine(Path.GetFullPath(journalFolder), key);
        CreateUserOnly(Path.Combine(_folder, "owners"));
        // Held until this client is disposed or its process ends (the OS lets go of it at a crash too).
        _ownerLock = new FileStream(OwnerPath(Owner), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
    }

    /// <summary>This handle's name in the journal.</summary>
    public string Owner { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Today's journal file (null without a folder, or before the first use).</summary>
    public string? JournalPath => _file?.Path;

    private sealed class Entry(PendingCall call, string owner)
    {
        public PendingCall Call { get; } = call;
        public string Owner { get; set; } = owner;
        public CallState State { get; set; }
    }

    private enum CallState { Sending, Lost }

    /// <summary>What <see cref="ClaimAsync"/> did: took the number, found it held by another call, or found this call
    /// already holding one (<see cref="ClaimResult.Number"/>).</summary>
    public enum ClaimKind { Claimed, Taken, Held }

    public readonly record struct ClaimResult(ClaimKind Kind, string Number, string Branch);

    /// <summary>The numbers every handle holds, and why a candidate may be another call's: a twin (same terms) in flight,
    /// or one left unresolved by a handle that is gone; null when neither.</summary>
    public sealed record View(IReadOnlySet<string> Claimed, string? Twin);

    /// <summary>Writes the call down before it is sent (an <see cref="IOException"/> or <see cref="InvalidDataException"/>
    /// when the journal cannot be written: the call must not be sent). <paramref name="serverFloor"/>: the latest server
    /// time the answers had told (the call's order is stamped at or after it), for whoever reconciles it after a crash.</summary>
    public Task BeginAsync(PendingCall call, DateTimeOffset? serverFloor) => UseAsync<bool>(() => ([new JournalLine("await", call.Id)
    {
        Owner = Owner, Product = call.Product, Code = call.Order?.Code, Side = call.Order?.Side ?? default, Quantity = call.Order?.Quantity ?? 0,
        Price = call.Order?.Price ?? 0, Kind = call.Order?.Kind ?? default, Original = call.Original, Cancel = call.Cancel,
        Local = _clock.GetUtcNow(), Floor = serverFloor,
    }], true));

    /// <summary>The call's answer was lost: no longer in flight (its twins reconcile without waiting for it).</summary>
    public Task LostAsync(PendingCall call) => BestEffortAsync(call, CallState.Sending, "lost");

    /// <summary>The call ended: a call that placed nothing (refused, not sent) is closed; one still in flight without a
    /// number (unknown, or an exception) is lost, to be reconciled.</summary>
    public Task FinishAsync(PendingCall call, KisOrderOutcome? outcome)
        => outcome is KisOrderOutcome.Refused or KisOrderOutcome.NotSent
            ? BestEffortAsync(call, null, "close")
            : BestEffortAsync(call, CallState.Sending, "lost");

    /// <summary>Takes <paramref name="number"/> for <paramref name="call"/> unless another call of any handle holds it.</summary>
    public async Task<ClaimResult> ClaimAsync(PendingCall call, string number, string branch)
    {
        var key = KisOrderWire.Normalize(number);
        try
        {
            return await UseAsync<ClaimResult>(() =>
            {
                // A call no longer open that holds a number already (a claim is written once per call).
                if (!_calls.ContainsKey(call.Id) && _numbers.Values.FirstOrDefault(n => n.Id == call.Id) is { } held)
                    return ([], new ClaimResult(ClaimKind.Held, held.Number!, held.Branch ?? ""));
                if (_numbers.TryGetValue(key, out var holder) && holder.Id != call.Id) return ([], new ClaimResult(ClaimKind.Taken, number, branch));
                return ([new JournalLine("claim", call.Id) { Number = number, Branch = branch }], new ClaimResult(ClaimKind.Claimed, number, branch));
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // The order is the venue's either way: held here, and said loudly that other handles cannot see it.
            LogJournalFailed(_logger, $"claiming order {number}", e.Message);
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_numbers.TryGetValue(key, out var holder) && holder.Id != call.Id) return new ClaimResult(ClaimKind.Taken, number, branch);
                Apply(new JournalLine("claim", call.Id) { Number = number, Branch = branch });
                return new ClaimResult(ClaimKind.Claimed, number, branch);
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>What every handle has claimed, and whether a candidate of <paramref name="call"/>'s may be a twin's.</summary>
    public Task<View> ViewAsync(PendingCall call) => UseAsync<View>(() =>
    {
        string? twin = null;
        foreach (var other in _calls.Values)
        {
            if (other.Call.Id == call.Id || !SameCall(other.Call, call)) continue;
            var alive = Alive(other.Owner);
            if (other.State == CallState.Sending && alive)
            {
                twin = "another call of the same terms still awaits its answer";
                break;
            }
            if (!alive)
                twin = "a call of the same terms was left unresolved by a handle that is gone (a crash or an earlier run: ReconcileJournalAsync settles it)";
        }
        return ([], new View(new HashSet<string>(_numbers.Keys, StringComparer.Ordinal), twin));
    });

    /// <summary>Takes over the unresolved calls (in flight or lost, no number) of handles that are gone: written down as
    /// this handle's, so no other takes them too; the caller reconciles them.</summary>
    public Task<List<PendingCall>> AdoptAsync() => UseAsync<List<PendingCall>>(() =>
    {
        var orphans = _calls.Values.Where(e => !Alive(e.Owner)).ToList();
        return ([.. orphans.Select(e => new JournalLine("adopt", e.Call.Id) { Owner = Owner })], orphans.ConvertAll(e => e.Call));
    });

    /// <summary>Calls with the same terms: a listing cannot tell their orders apart.</summary>
    public static bool SameCall(PendingCall a, PendingCall b) => a.Product == b.Product && a.Cancel == b.Cancel && SameTerms(a.Order, b.Order)
        && KisOrderWire.Normalize(a.Original) == KisOrderWire.Normalize(b.Original);

    /// <summary>Orders a listing cannot tell apart: same code, side, quantity and price.</summary>
    public static bool SameTerms(KisOrderRequest? a, KisOrderRequest? b)
        => a is null || b is null ? a == b : a.Code == b.Code && a.Side == b.Side && a.Quantity == b.Quantity && a.Price == b.Price;

    /// <summary>A line whose loss only makes the other handles more careful: a failure is logged, and held in memory.</summary>
    private async Task BestEffortAsync(PendingCall call, CallState? from, string op)
    {
        bool Due() => _calls.TryGetValue(call.Id, out var e) && (from is not { } f || e.State == f);
        try
        {
            await UseAsync<bool>(() => (Due() ? [new JournalLine(op, call.Id)] : [], true)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            LogJournalFailed(_logger, $"marking a call {op}", e.Message);
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (Due()) Apply(new JournalLine(op, call.Id));
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>
    /// Under the lock: today's journal brought up to date (what other handles appended), <paramref name="decide"/> run on
    /// it, and the lines it returns appended (fsync'd) and applied.
    /// </summary>
    private async Task<T> UseAsync<T>(Func<(List<JournalLine> Lines, T Result)> decide)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            NewDayIfDue();
            (List<JournalLine> Lines, T Result) decided = ([], default!);
            if (_file is not null) await _file.UseAsync(Apply, () => (decided = decide()).Lines).ConfigureAwait(false);
            else if (_memory is not null) _memoryRead = _memory.Use(_memoryRead, Apply, () => (decided = decide()).Lines);
            else decided = decide();
            foreach (var line in decided.Lines) Apply(line);
            return decided.Result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One line, from the file or just appended. Under the lock.</summary>
    private void Apply(JournalLine line)
    {
        if (line.Op == "await")
        {
            if (!_calls.ContainsKey(line.Id)) _calls[line.Id] = new Entry(FromLine(line), line.Owner ?? "");
            return;
        }
        if (line.Op == "claim") _numbers.TryAdd(KisOrderWire.Normalize(line.Number), line);
        if (!_calls.TryGetValue(line.Id, out var entry)) return;
        switch (line.Op)
        {
            case "lost" when entry.State == CallState.Sending:
                entry.State = CallState.Lost;
                break;
            case "claim":
                _calls.Remove(line.Id); // settled: only its number is kept
                break;
            case "close":
                _calls.Remove(line.Id); // placed nothing: nothing of it is asked again
                break;
            case "adopt":
                (entry.Owner, entry.State) = (line.Owner ?? "", CallState.Lost);
                break;
        }
    }

    private static PendingCall FromLine(JournalLine line)
    {
        var order = line.Code is null ? null : new KisOrderRequest
        {
            Product = line.Product, Code = line.Code, Side = line.Side, Quantity = line.Quantity, Price = line.Price, Kind = line.Kind,
        };
        var call = new PendingCall(line.Product, order, line.Original, line.Cancel, line.Id);
        if (line.Local is { } local) call.MarkSent(local, line.Floor);
        return call;
    }

    /// <summary>Today's journal (KST), once nothing of this handle is in flight on the day before. Under the lock.</summary>
    private void NewDayIfDue()
    {
        var today = KoreaTime.DateOf(_clock.GetUtcNow());
        if (today == _day || _calls.Values.Any(e => e.Owner == Owner && e.State == CallState.Sending)) return;
        var name = today.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        _day = today;
        _calls.Clear();
        _numbers.Clear();
        if (_folder is null)
        {
            lock (_memoryGate)
            {
                _memory?.Leave(Owner);
                _memory = _disposed ? null : OrderMemoryJournal.Join(_key + "/" + name, Owner);
                _memoryRead = 0;
            }
            return;
        }
        _file = new OrderJournalFile(Path.Combine(_folder, name + ".jsonl"));
        foreach (var old in Directory.EnumerateFiles(_folder, "*.jsonl"))
        {
            if (DateOnly.TryParseExact(Path.GetFileNameWithoutExtension(old), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                && day < today.AddDays(-KeepDays))
                TryDelete(old);
        }
    }

    /// <summary>True while the handle <paramref name="owner"/> lives: its lock file is held. Under the lock.</summary>
    private bool Alive(string owner)
    {
        if (owner == Owner) return true;
        if (_folder is null) return _memory?.Alive(owner) ?? false;
        if (_gone.Contains(owner)) return false;
        if (owner.Length != 32 || !owner.All(char.IsAsciiHexDigitLower))
        {
            _gone.Add(owner); // not a name this library writes: no file of it can be held
            return false;
        }
        var path = OwnerPath(owner);
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
        }
        catch (FileNotFoundException)
        {
            _gone.Add(owner);
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // held: the handle lives
        }
        _gone.Add(owner);
        TryDelete(path); // a crashed handle's: nobody holds it any more
        return false;
    }

    private string OwnerPath(string owner) => Path.Combine(_folder!, "owners", owner + ".lock");

    private static void CreateUserOnly(string folder)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Tried again at the next probe or the next day.
        }
    }

    /// <summary>Lets go of this handle's lock file: its calls still unresolved become another handle's to adopt.</summary>
    public void Dispose()
    {
        _ownerLock?.Dispose();
        lock (_memoryGate)
        {
            _disposed = true;
            _memory?.Leave(Owner);
        }
    }

    [LoggerMessage(1136, LogLevel.Error, "The order journal failed while {What} ({Problem}): held in this client's memory only, other handles cannot see it")]
    private static partial void LogJournalFailed(ILogger logger, string what, string problem);
}
