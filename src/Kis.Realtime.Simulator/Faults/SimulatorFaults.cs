using Kis.Realtime.Simulator.Internal;
using Kis.Realtime.Simulator.WebSockets;

namespace Kis.Realtime.Simulator;

/// <summary>
/// Fault injection. Every method acts on the sessions live at the call and returns a task that completes when the
/// effect has happened (frames written, sessions ended), so tests can await it instead of sleeping. The result is the
/// number of sessions affected.
/// </summary>
public sealed class SimulatorFaults
{
    private readonly IFaultTarget _hub;

    internal SimulatorFaults(IFaultTarget hub) => _hub = hub;

    /// <summary>A malformed data frame: its field count (3) is not a multiple of its record count (2).</summary>
    public static ReadOnlySpan<byte> MalformedFrame => "0|H0UPCNT0|002|0001^091240^2624.54"u8;

    /// <summary>Drops every connection at the TCP level (no close frame). Completes when the sessions have ended.</summary>
    public async Task<int> DropConnections()
    {
        var sessions = _hub.Sessions;
        await Task.WhenAll(sessions.Select(s => s.AbortAsync())).ConfigureAwait(false);
        Log.Fault(_hub.Logger, "drop", sessions.Count);
        return sessions.Count;
    }

    /// <summary>Closes every connection with a close frame (1000 by default). Completes when the sessions have ended.</summary>
    public async Task<int> CloseConnections(int closeStatus = 1000, string reason = "closed by simulator")
    {
        var sessions = _hub.Sessions;
        await Task.WhenAll(sessions.Select(s => s.CloseAsync(closeStatus, reason))).ConfigureAwait(false);
        Log.Fault(_hub.Logger, "close", sessions.Count);
        return sessions.Count;
    }

    /// <summary>
    /// Stalls every session, and new ones until <see cref="Unstall"/>: nothing is sent (no data, no replies, no PINGPONG)
    /// and requests are held unanswered. The socket stays open. PINGPONG deadlines are suspended meanwhile.
    /// </summary>
    /// <param name="duration">When given, the stall ends by itself after this time (on the simulator's clock).</param>
    public Task<int> Stall(TimeSpan? duration = null)
    {
        long generation;
        int n;
        // Stall, unstall and the timed end are serialised: a late timer can never undo a newer stall.
        lock (_stallGate)
        {
            // A new stall supersedes any timed one still pending: its timer must not end this stall.
            generation = ++_stallGeneration;
            DisposeStallTimer();
            n = _hub.SetStalled(true);
        }
        Log.Fault(_hub.Logger, "stall", n);
        if (duration is { } d)
        {
            var timer = _hub.Options.TimeProvider.CreateTimer(static s =>
            {
                var (faults, generation) = ((SimulatorFaults, long))s!;
                faults.EndTimedStall(generation);
            }, (this, generation), d, Timeout.InfiniteTimeSpan);
            lock (_stallGate)
            {
                // The timer may already have fired (tiny duration), or another stall/unstall may have come in between.
                if (_stallGeneration == generation) _stallTimer = timer;
                else timer.Dispose();
            }
        }
        return Task.FromResult(n);
    }

    private readonly Lock _stallGate = new();
    private long _stallGeneration;
    private ITimer? _stallTimer;

    private void EndTimedStall(long generation)
    {
        lock (_stallGate)
        {
            if (_stallGeneration != generation) return; // superseded by a later stall or an unstall
            _stallGeneration++;
            DisposeStallTimer();
            _hub.SetStalled(false);
        }
        Log.Fault(_hub.Logger, "unstall (timed)", 0);
    }

    private void DisposeStallTimer()
    {
        _stallTimer?.Dispose();
        _stallTimer = null;
    }

    /// <summary>Ends a stall: held requests are answered and data flows again.</summary>
    public Task<int> Unstall()
    {
        int n;
        lock (_stallGate)
        {
            _stallGeneration++;
            DisposeStallTimer();
            n = _hub.SetStalled(false);
        }
        Log.Fault(_hub.Logger, "unstall", n);
        return Task.FromResult(n);
    }

    /// <summary>True while stalled.</summary>
    public bool IsStalled => _hub.IsStalled;

    /// <summary>
    /// Sends <see cref="MalformedFrame"/> to every session. Completes when written (a session that ends first is
    /// skipped; a stalled one is written to when unstalled, or <paramref name="ct"/> gives up waiting).
    /// </summary>
    public Task<int> SendMalformedFrame(CancellationToken ct = default) => SendToAll(MalformedFrame.ToArray(), "malformed", ct);

    /// <summary>
    /// Sends every session an H0BJCNT0 text frame whose bond name is cp949 (EUC-KR) bytes, i.e. not valid UTF-8 (what
    /// made KIS's Python users see 1007 "invalid start byte"). Completes when written, as <see cref="SendMalformedFrame"/>.
    /// </summary>
    public Task<int> SendNonUtf8Frame(CancellationToken ct = default) => SendToAll(NonUtf8BondFrame(), "non-utf8", ct);

    /// <summary>The cp949 bond frame sent by <see cref="SendNonUtf8Frame"/>.</summary>
    public static byte[] NonUtf8BondFrame()
    {
        var fields = new[]
        {
            "KR103502GD31", "\u0000", "131743", "2", "5.00", "0.05", "10575.00", "1", "10525.00", "10578.00", "10525.00",
            "10570.00", "3.012", "3.037", "3.010", "3.037", "6594124", "9874082", "2",
        };
        var before = System.Text.Encoding.ASCII.GetBytes(string.Join('^', fields[..1]) + "^");
        var name = KisText.Korean.GetBytes("국고03250-5303(23-2)");
        var after = System.Text.Encoding.ASCII.GetBytes("^" + string.Join('^', fields[2..]));
        return FrameWriter.Build(KisTrs.BondTrades.TrId, encrypted: false, 1, [.. before, .. name, .. after]);
    }

    /// <summary>Forgets every issued approval key: the next subscribe with one gets OPSP0011. Returns how many were dropped.</summary>
    public Task<int> ExpireApprovalKeys()
    {
        var n = _hub.ExpireApprovalKeys();
        Log.Fault(_hub.Logger, "expire-keys", n);
        return Task.FromResult(n);
    }

    /// <summary>While on, every new session's first request is refused with OPSP8996 and the connection closed.</summary>
    public void RefuseNewSessions(bool refuse)
    {
        _hub.RefuseNewSessions = refuse;
        Log.Fault(_hub.Logger, refuse ? "refuse-sessions on" : "refuse-sessions off", 0);
    }

    /// <summary>True while new sessions are refused.</summary>
    public bool IsRefusingNewSessions => _hub.RefuseNewSessions;

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (after the approval check) with <paramref name="code"/>, for
    /// server-side errors no request can provoke (OPSP0007, 0009, 0010, 8999, 9993 …).
    /// </summary>
    public void FailNextRequests(OpspCode code, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        _hub.InjectFailures(code, count);
        Log.Fault(_hub.Logger, $"fail-next {code.ToMsgCd()}", count);
    }

    /// <summary>
    /// Withholds the next <paramref name="count"/> records generated for (<paramref name="trId"/>, <paramref name="key"/>)
    /// from every session: the market still makes them (a trade's volume counts in every later <c>acml_vol</c>, as
    /// KIS would have sent it), so a gap detector can find them. <see cref="SkippedRecords"/> lists exactly which.
    /// Replaces any earlier rule for the same TR and key.
    /// </summary>
    public void SkipRecords(string trId, string key, int count)
    {
        _hub.Skips.SkipNext(trId, key, count);
        Log.Fault(_hub.Logger, $"skip {trId} {key} next {count}", count);
    }

    /// <summary>
    /// Withholds each record generated for (<paramref name="trId"/>, <paramref name="key"/>) with
    /// <paramref name="probability"/>, drawn from a generator seeded with <paramref name="seed"/> (the same seed and
    /// record sequence skip the same records), until <see cref="StopSkipping"/>. As <see cref="SkipRecords(string, string, int)"/> otherwise.
    /// </summary>
    public void SkipRecords(string trId, string key, double probability, int seed)
    {
        _hub.Skips.SkipWithProbability(trId, key, probability, seed);
        Log.Fault(_hub.Logger, $"skip {trId} {key} with probability {probability}", 0);
    }

    /// <summary>Ends every skip rule (the list of skipped records stays).</summary>
    public void StopSkipping() => _hub.Skips.Clear();

    /// <summary>Every record the skip fault withheld so far, in order (the first 100,000; <see cref="SimulatorCounters.RecordsSkipped"/> counts all).</summary>
    public IReadOnlyList<SkippedRecord> SkippedRecords => _hub.Skips.Skipped;

    private async Task<int> SendToAll(byte[] message, string name, CancellationToken ct)
    {
        var sessions = _hub.Sessions;
        await Task.WhenAll(sessions.Select(s => s.SendRawAsync(message, isFault: true, ct))).ConfigureAwait(false);
        Log.Fault(_hub.Logger, name, sessions.Count);
        return sessions.Count;
    }
}
