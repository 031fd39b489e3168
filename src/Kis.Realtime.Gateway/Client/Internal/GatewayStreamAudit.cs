using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// <c>kisrt gateway audit</c>'s check of one TR stream, fed its records and announcements in stream order
/// (<see cref="GatewayAuditReader"/> reads them; a test can feed them itself). Per key: seqs consecutive within a run (a
/// hole is a loss no announcement states; a seq again is a doubled record), the cumulative volume continuous between
/// consecutive seqs where the TR has one (a jump is a loss unless a KIS reconnect was announced just before), and each run
/// change against its announcement: it must come before the new run's first record and name the key's real last record on
/// the stream (<c>previous_stream_run</c>, <c>previous_stream_seq</c>), or say its extent is unknown; anything else is wrong.
/// An announcement is checked when read: a run's records all precede the next run's announcement (the next run fences it first).
/// It is counted when its run's first record of the key comes: the counts partition the run changes (<c>RunChanges</c> =
/// <c>StatedExact</c> + <c>StatedUnknown</c> + <c>ChangesWronglyAnnounced</c> + <c>UnannouncedChanges</c>), and an
/// announcement no change follows (the key's first run, a run none of whose records came, one read after its run's first
/// record) is counted apart, in <c>AnnouncementsWithoutChange</c>. The stated findings are made at the change too, one per
/// stated change: an announcement no change follows states no gap.
/// </summary>
internal sealed class GatewayStreamAudit(string trId, int maxFindings = 1000)
{
    /// <summary>True when the read began at the stream's first offset (0: nothing of it removed by retention), so a key's
    /// earlier records cannot lie before it; set before the first entry is fed.</summary>
    public bool FromFirst { get; set; } = true;

    private readonly Dictionary<string, KeyState> _keys = new(StringComparer.Ordinal);
    private readonly List<GatewayAuditFinding> _findings = [];
    private readonly int[] _kept = new int[4]; // findings kept per kind: stated gaps never crowd out a loss

    /// <summary>The TR audited.</summary>
    public string TrId => trId;

    /// <summary>The figures so far (<see cref="Finish"/> adds the seq holes still open).</summary>
    public GatewayAuditCounts Counts { get; } = new() { Streams = 1 };

    /// <summary>The findings in stream order, the first <c>maxFindings</c> of each kind (the counts hold them all).</summary>
    public IReadOnlyList<GatewayAuditFinding> Findings => _findings;

    /// <summary>Findings not kept beyond the bound.</summary>
    public long FindingsLeftOut { get; private set; }

    /// <summary>A record of <paramref name="key"/>: run, seq, when the gateway received it (Unix µs) and its KIS fields.</summary>
    public void Record(string key, string run, long seq, long receivedAt, ReadOnlySpan<byte> body)
    {
        Counts.Records++;
        var k = KeyOf(key);
        if (k.Run == run) InRun(k, key, seq, receivedAt, body);
        else if (k.EarlierRuns.TryGetValue(run, out var last)) EarlierRun(k, key, run, seq, last);
        else NewRun(k, key, run, seq, receivedAt, body);
    }

    /// <summary>An announcement of <paramref name="key"/> (<paramref name="announcement"/> null: one that does not parse).</summary>
    public void Announcement(string key, GatewayRunAnnouncement? announcement)
    {
        Counts.Announcements++;
        if (announcement is not { Run.Length: > 0 })
        {
            Counts.Malformed++;
            return;
        }
        var k = KeyOf(key);
        // The publisher republishes every unconfirmed message after a broker failure: an announcement of the key's current, an
        // earlier or its pending run read again is doubled, not judged against a stream that has moved on since.
        var judged = (announcement.Run, announcement.KisReconnectedAt);
        var started = announcement.Run == k.Run || k.EarlierRuns.ContainsKey(announcement.Run);
        if ((started || announcement.Run == k.Pending) && k.Judged.Contains(judged))
        {
            Counts.Doubled++;
            Add(GatewayAuditFindingKind.Doubled, key, $"run {announcement.Run}'s " +
                (announcement.KisReconnectedAt is null ? "announcement" : $"reconnect announcement (after seq {announcement.LastSeq})") + " again");
            return;
        }
        k.Judged.Add(judged);
        if (announcement.KisReconnectedAt is not null)
        {
            Reconnect(k, key, announcement);
            return;
        }
        if (started)
        {
            // Read after its run's first record: that change was counted unannounced then; the stream has moved on since.
            Counts.AnnouncementsWithoutChange++;
            return;
        }
        DropPending(k); // an earlier announcement whose run had no record before this one: no change followed it
        k.Pending = announcement.Run;
        if (announcement.PreviousStreamUnknown == true)
        {
            k.PendingAs = Announced.Unknown; // a stated finding when its change comes (MatchPending), none when no change does
            return;
        }
        var namedRun = announcement.PreviousStreamRun ?? announcement.PreviousRun;
        var named = announcement.PreviousStreamSeq is { } s ? $"run {namedRun} seq {s}" : "no record of the key";
        if (k.Run is null && !FromFirst)
        {
            Counts.Unchecked++; // the key's earlier records, if any, lie before what was read
            k.PendingAs = Announced.Unchecked;
            return;
        }
        var real = k.Run is null ? "no record of the key" : $"run {k.Run} seq {k.Seq}";
        var right = k.Run is null ? announcement.PreviousStreamSeq is null : announcement.PreviousStreamSeq == k.Seq && namedRun == k.Run;
        if (right)
        {
            k.PendingAs = Announced.Exact;
            return;
        }
        Counts.WrongAnnouncements++;
        k.PendingAs = Announced.Wrong; // its run's change is counted wrongly announced, not also unannounced
        Add(GatewayAuditFindingKind.Wrong, key, $"run {announcement.Run} announced the key's last record on the stream as {named}; the stream holds {real}");
    }

    /// <summary>Ends the stream: the seq holes still open are losses. Returns the counts.</summary>
    public GatewayAuditCounts Finish()
    {
        Counts.Keys = _keys.Count;
        foreach (var (key, k) in _keys)
        {
            DropPending(k);
            foreach (var (run, from, to) in k.Holes)
            {
                Counts.SeqHoleRecords += to - from + 1;
                Add(GatewayAuditFindingKind.Unstated, key, from == to ? $"run {run} seq {from} is not on the stream"
                    : $"run {run} seqs {from}-{to} ({to - from + 1} records) are not on the stream");
            }
        }
        return Counts;
    }

    private KeyState KeyOf(string key)
    {
        if (!_keys.TryGetValue(key, out var k)) _keys[key] = k = new KeyState();
        return k;
    }

    private void InRun(KeyState k, string key, long seq, long receivedAt, ReadOnlySpan<byte> body)
    {
        if (seq <= k.Seq)
        {
            if (!k.FillHole(k.Run!, seq))
            {
                Counts.Doubled++;
                Add(GatewayAuditFindingKind.Doubled, key, $"run {k.Run} seq {seq} again (after seq {k.Seq})");
            }
            return;
        }
        if (seq > k.Seq + 1)
        {
            k.Holes.Add((k.Run!, k.Seq + 1, seq - 1));
            k.Trade = null; // across a hole the volume check says nothing new
        }
        else CheckVolume(k, key, seq, receivedAt, body);
        k.Seq = seq;
        k.Reconnected = false;
        k.Note(trId, receivedAt, body);
    }

    /// <summary>A record of a run the key has left: a republished one (doubled), or runs interleaved.</summary>
    private void EarlierRun(KeyState k, string key, string run, long seq, long last)
    {
        // A hole filled late is a record out of order across runs (interleaved), not one already read.
        if (!k.FillHole(run, seq) && seq <= last)
        {
            Counts.Doubled++;
            Add(GatewayAuditFindingKind.Doubled, key, $"run {run} seq {seq} again, after run {k.Run} began");
            return;
        }
        Counts.Interleaved++;
        Add(GatewayAuditFindingKind.Unstated, key, $"run {run} seq {seq} after run {k.Run} seq {k.Seq}: the runs of the key are interleaved");
    }

    private void NewRun(KeyState k, string key, string run, long seq, long receivedAt, ReadOnlySpan<byte> body)
    {
        if (k.Run is not null)
        {
            Counts.RunChanges++;
            if (k.Pending != run)
            {
                Counts.UnannouncedChanges++;
                Add(GatewayAuditFindingKind.Unstated, key, $"run {k.Run} seq {k.Seq} -> run {run} seq {seq} with no announcement of run {run}");
            }
            else MatchPending(k, key, run, receivedAt, body);
            k.EarlierRuns[k.Run] = k.Seq;
        }
        // A run's seqs begin at 1; a later first seq on the stream means its earlier records of the key are missing (unless they
        // may lie before the first offset read).
        if (seq > 1 && (FromFirst || k.Run is not null)) k.Holes.Add((run, 1, seq - 1));
        DropPending(k); // the key's first run, or another run's announcement than this one's
        (k.Run, k.Seq, k.Reconnected, k.Trade) = (run, seq, false, null);
        k.Note(trId, receivedAt, body);
    }

    /// <summary>
    /// A run change to <paramref name="run"/> matched to its pending announcement, counted by what the announcement said. A
    /// stated change is one stated finding here, at the change (with the volume traded in the gap where the TR has one), so the
    /// stated findings are the stated changes: an announcement no change follows is counted apart and printed as no gap.
    /// </summary>
    private void MatchPending(KeyState k, string key, string run, long receivedAt, ReadOnlySpan<byte> body)
    {
        var announced = k.PendingAs;
        k.Pending = null;
        if (announced is not (Announced.Exact or Announced.Unknown))
        {
            Counts.ChangesWronglyAnnounced++; // its WRONG finding was made when it was read
            return;
        }
        var text = announced == Announced.Exact ? $"run {run} announced its gap exactly: after run {k.Run} seq {k.Seq}"
            : $"run {run} announced a gap of unknown extent after run {k.Run} seq {k.Seq}";
        if (announced == Announced.Exact) Counts.StatedExact++;
        else Counts.StatedUnknown++;
        if (k.Trade is { } before && TradeVolumes.Missed(trId, before.Body, GatewayWire.FromUnixMicroseconds(before.At), body,
                GatewayWire.FromUnixMicroseconds(receivedAt)) is { } missed and > 0)
            text += $"; volume {missed} in the gap";
        Add(GatewayAuditFindingKind.Stated, key, text);
    }

    /// <summary>Ends a pending announcement no run change followed (one not checked is counted there already).</summary>
    private void DropPending(KeyState k)
    {
        if (k.Pending is not null && k.PendingAs != Announced.Unchecked) Counts.AnnouncementsWithoutChange++;
        k.Pending = null;
    }

    /// <summary>Consecutive seqs: the cumulative volume must go on, unless a KIS reconnect was announced right before.</summary>
    private void CheckVolume(KeyState k, string key, long seq, long receivedAt, ReadOnlySpan<byte> body)
    {
        if (k.Trade is not { } before || TradeVolumes.Missed(trId, before.Body, GatewayWire.FromUnixMicroseconds(before.At), body,
                GatewayWire.FromUnixMicroseconds(receivedAt)) is not { } missed || missed <= 0) return;
        if (k.Reconnected)
        {
            Counts.StatedVolume += missed;
            var why = k.RegisteredAgain ? "the key was released, until registered again" : "the KIS session reconnected";
            Add(GatewayAuditFindingKind.Stated, key, $"run {k.Run} seq {k.Seq} -> {seq}: volume {missed} missed while {why} (announced)");
            return;
        }
        Counts.VolumeJumps++;
        Counts.UnstatedVolume += missed;
        Add(GatewayAuditFindingKind.Unstated, key, $"run {k.Run} seq {k.Seq} -> {seq}: cumulative volume jumped by {missed} with consecutive seqs and no " +
                                            "reconnect announced (records lost inside the run, by the gateway or KIS's feed)");
    }

    /// <summary>A KIS session reconnect (or a registration again) announced within a run: it must name the key's last record of
    /// that run on the stream.</summary>
    private void Reconnect(KeyState k, string key, GatewayRunAnnouncement a)
    {
        var last = k.Run == a.Run ? k.Seq : k.EarlierRuns.GetValueOrDefault(a.Run);
        if ((a.LastSeq ?? 0) != last && !(k.Run is null && !FromFirst))
        {
            Counts.WrongAnnouncements++;
            Add(GatewayAuditFindingKind.Wrong, key,
                $"run {a.Run} announced {(a.RegisteredAgain == true ? "the key registered again" : "a KIS reconnect")} after seq {a.LastSeq}; " +
                $"the stream's last record of the run is seq {last}");
            return;
        }
        if (a.RegisteredAgain == true) Counts.RegisteredAgainStated++;
        else Counts.ReconnectsStated++;
        if (k.Run == a.Run) (k.Reconnected, k.RegisteredAgain) = (true, a.RegisteredAgain == true);
    }

    /// <summary>What a run's announcement said of the key's last record before it, judged against the stream.</summary>
    private enum Announced { Exact, Unknown, Wrong, Unchecked }

    private void Add(GatewayAuditFindingKind kind, string key, string text)
    {
        if (_kept[(int)kind] >= maxFindings)
        {
            FindingsLeftOut++;
            return;
        }
        _kept[(int)kind]++;
        _findings.Add(new GatewayAuditFinding(kind, trId, key, text));
    }

    /// <summary>One key's place on the stream: its current run and seq, its earlier runs' last seqs, open seq holes, the last trade.</summary>
    private sealed class KeyState
    {
        public string? Run;
        public long Seq;
        public readonly Dictionary<string, long> EarlierRuns = new(StringComparer.Ordinal);
        public readonly List<(string Run, long From, long To)> Holes = [];
        /// <summary>The announcements judged: run and KIS reconnect time (null for a run change).</summary>
        public readonly HashSet<(string Run, long? At)> Judged = [];
        /// <summary>The run whose announcement was read and not yet followed by its first record.</summary>
        public string? Pending;
        /// <summary>What that announcement said, judged when read.</summary>
        public Announced PendingAs;
        /// <summary>A KIS reconnect (or the key's registration again) was announced after the last record.</summary>
        public bool Reconnected;
        /// <summary>That announcement was of the key's registration again, not of a reconnect.</summary>
        public bool RegisteredAgain;
        public (byte[] Body, long At)? Trade;

        /// <summary>Keeps the record when it is a trade with a cumulative volume (the next one is checked against it).</summary>
        public void Note(string trId, long receivedAt, ReadOnlySpan<byte> body)
        {
            if (TradeVolumes.TryRead(trId, body, out _)) Trade = (body.ToArray(), receivedAt);
        }

        /// <summary>A seq that fills a hole (a record out of order, not lost): the hole shrinks. False when none holds it.</summary>
        public bool FillHole(string run, long seq)
        {
            for (var i = 0; i < Holes.Count; i++)
            {
                var (r, from, to) = Holes[i];
                if (r != run || seq < from || seq > to) continue;
                Holes.RemoveAt(i);
                if (from < seq) Holes.Add((r, from, seq - 1));
                if (seq < to) Holes.Add((r, seq + 1, to));
                return true;
            }
            return false;
        }
    }
}
