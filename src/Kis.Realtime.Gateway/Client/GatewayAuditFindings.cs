namespace Kis.Realtime.Gateway;

/// <summary>What a finding of <see cref="KisGatewayAudit"/> is.</summary>
public enum GatewayAuditFindingKind
{
    /// <summary>Records missing that no announcement on the stream states: a seq hole, a cumulative-volume jump between
    /// consecutive seqs, a run change with no announcement, a key's runs interleaved.</summary>
    Unstated,
    /// <summary>An announcement that names another last record than the stream holds.</summary>
    Wrong,
    /// <summary>A record (run, key, seq) on the stream again (a consumer skips it by run, key and seq).</summary>
    Doubled,
    /// <summary>A gap an announcement states, exactly or as of unknown extent: what a consumer is told it missed.</summary>
    Stated,
}

/// <summary>One finding of <see cref="KisGatewayAudit"/>: its kind, the TR and key, and what was found, in words.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Tr">The TR id of the stream.</param>
/// <param name="Key">The key.</param>
/// <param name="Text">What was found: runs, seqs, volume.</param>
public sealed record GatewayAuditFinding(GatewayAuditFindingKind Kind, string Tr, string Key, string Text)
{
    /// <summary>The finding as <c>kisrt gateway audit</c> prints it, e.g.
    /// <c>UNSTATED H0STCNT0 000660: run … seqs 4-5 (2 records) are not on the stream</c>.</summary>
    public override string ToString() => $"{Label(Kind)} {Tr} {Key}: {Text}";

    private static string Label(GatewayAuditFindingKind kind) => kind switch
    {
        GatewayAuditFindingKind.Unstated => "UNSTATED",
        GatewayAuditFindingKind.Wrong => "WRONG",
        GatewayAuditFindingKind.Doubled => "DOUBLED",
        _ => "stated",
    };
}

/// <summary>
/// The figures of <see cref="KisGatewayAudit"/> over one stream or all of them. <see cref="Clean"/>: nothing missing
/// unstated and no wrong announcement; doubled records are counted apart (the wire allows a message published again after a
/// broker failure, and a consumer skips it by run, key and seq). A run change is counted by the announcement read before
/// the new run's first record of the key: <see cref="RunChanges"/> = <see cref="StatedExact"/> + <see cref="StatedUnknown"/> +
/// <see cref="ChangesWronglyAnnounced"/> + <see cref="UnannouncedChanges"/>. An announcement of a run (not doubled, not
/// <see cref="Unchecked"/>) is matched to the change it precedes or counted in <see cref="AnnouncementsWithoutChange"/>.
/// </summary>
public sealed class GatewayAuditCounts
{
    /// <summary>Streams read.</summary>
    public int Streams { get; internal set; }
    /// <summary>Messages read.</summary>
    public long Messages { get; internal set; }
    /// <summary>Records read (a message holds one or more).</summary>
    public long Records { get; internal set; }
    /// <summary>Run announcements read (a run's start, or a KIS reconnect within a run).</summary>
    public long Announcements { get; internal set; }
    /// <summary>Messages that are not what the wire format says (skipped, counted).</summary>
    public long Malformed { get; internal set; }
    /// <summary>Keys seen (per stream; added up over streams).</summary>
    public int Keys { get; internal set; }
    /// <summary>Changes of a key from one run's records to another's.</summary>
    public int RunChanges { get; internal set; }
    /// <summary>Run changes whose announcement names the key's last record on the stream exactly.</summary>
    public int StatedExact { get; internal set; }
    /// <summary>Run changes announced as a gap of unknown extent (<c>previous_stream_unknown</c>): stated, not where it begins.</summary>
    public int StatedUnknown { get; internal set; }
    /// <summary>Run changes whose announcement names another last record than the stream holds (each also in
    /// <see cref="WrongAnnouncements"/>).</summary>
    public int ChangesWronglyAnnounced { get; internal set; }
    /// <summary>Run announcements no run change of the key followed: the key's first run on the stream, a run none of whose
    /// records of the key came after it, or one read after its run's first record (that change is unannounced).</summary>
    public int AnnouncementsWithoutChange { get; internal set; }
    /// <summary>KIS session reconnects announced within a run (<c>kis_reconnected_at</c>) that name the run's last record.</summary>
    public int ReconnectsStated { get; internal set; }
    /// <summary>Keys released and registered again within a run, announced (<c>registered_again</c>) with the run's last record.</summary>
    public int RegisteredAgainStated { get; internal set; }
    /// <summary>Volume the announced reconnects and registrations again state missing (trades: from the cumulative volume).</summary>
    public long StatedVolume { get; internal set; }
    /// <summary>Run changes with no announcement of the new run before its first record.</summary>
    public int UnannouncedChanges { get; internal set; }
    /// <summary>Records missing by seq inside a run (or before a run's first record on the stream), stated nowhere.</summary>
    public long SeqHoleRecords { get; internal set; }
    /// <summary>Cumulative-volume jumps between consecutive seqs of a run with no reconnect announced before them.</summary>
    public int VolumeJumps { get; internal set; }
    /// <summary>The volume of those jumps.</summary>
    public long UnstatedVolume { get; internal set; }
    /// <summary>Announcements naming another last record than the stream holds (of a run change, a key's first run, a reconnect).</summary>
    public int WrongAnnouncements { get; internal set; }
    /// <summary>Records on the stream again.</summary>
    public long Doubled { get; internal set; }
    /// <summary>Records of a run read after a later run's record of the same key that are not repeats: the runs overlap.</summary>
    public long Interleaved { get; internal set; }
    /// <summary>Announcements not checked: the key's earlier records lie before the first offset read (retention).</summary>
    public int Unchecked { get; internal set; }
    /// <summary>A read stopped at <see cref="GatewayAuditOptions.MaxMessages"/> before a stream's end: the rest was not audited.</summary>
    public bool Bounded { get; internal set; }

    /// <summary>Nothing missing unstated, no wrong announcement, no runs interleaved.</summary>
    public bool Clean => UnannouncedChanges == 0 && SeqHoleRecords == 0 && VolumeJumps == 0 && WrongAnnouncements == 0 && Interleaved == 0;

    internal void Add(GatewayAuditCounts o)
    {
        (Streams, Messages, Records, Announcements, Malformed) = (Streams + o.Streams, Messages + o.Messages, Records + o.Records,
            Announcements + o.Announcements, Malformed + o.Malformed);
        (Keys, RunChanges, StatedExact, StatedUnknown) = (Keys + o.Keys, RunChanges + o.RunChanges, StatedExact + o.StatedExact,
            StatedUnknown + o.StatedUnknown);
        (ReconnectsStated, RegisteredAgainStated, StatedVolume, UnannouncedChanges) = (ReconnectsStated + o.ReconnectsStated,
            RegisteredAgainStated + o.RegisteredAgainStated, StatedVolume + o.StatedVolume, UnannouncedChanges + o.UnannouncedChanges);
        (ChangesWronglyAnnounced, AnnouncementsWithoutChange) = (ChangesWronglyAnnounced + o.ChangesWronglyAnnounced,
            AnnouncementsWithoutChange + o.AnnouncementsWithoutChange);
        (SeqHoleRecords, VolumeJumps, UnstatedVolume) = (SeqHoleRecords + o.SeqHoleRecords, VolumeJumps + o.VolumeJumps, UnstatedVolume + o.UnstatedVolume);
        (WrongAnnouncements, Doubled, Interleaved, Unchecked) = (WrongAnnouncements + o.WrongAnnouncements, Doubled + o.Doubled,
            Interleaved + o.Interleaved, Unchecked + o.Unchecked);
        Bounded |= o.Bounded;
    }

    /// <summary>The figures in one line, starting with the verdict (<c>nothing unstated</c> or <c>UNSTATED LOSSES</c>).</summary>
    public override string ToString() =>
        $"{(Clean ? "nothing unstated" : "UNSTATED LOSSES")}: streams {Streams}, keys {Keys}, records {Records} in {Messages} messages; " +
        $"run changes {RunChanges} (stated exactly {StatedExact}, of unknown extent {StatedUnknown}, wrongly announced {ChangesWronglyAnnounced}, " +
        $"unannounced {UnannouncedChanges}), announcements with no run change {AnnouncementsWithoutChange}, " +
        $"KIS reconnects stated {ReconnectsStated}, keys registered again stated {RegisteredAgainStated} (volume {StatedVolume}); " +
        $"unstated: seq holes {SeqHoleRecords} records, " +
        $"volume jumps {VolumeJumps} ({UnstatedVolume} shares); wrong announcements {WrongAnnouncements}; doubled {Doubled}; " +
        $"interleaved {Interleaved}; malformed {Malformed}; not checked {Unchecked}" +
        (Bounded ? "; BOUNDED: a read stopped at --max-messages before a stream's end, the rest was not audited" : "");
}
