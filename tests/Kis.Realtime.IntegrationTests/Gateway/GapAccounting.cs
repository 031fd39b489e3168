using System.Text.Json;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 61's gap accounting, as an independent consumer does it from the wire (docs/gateway.md, Fleet): a TR's stream
/// read in order, records and run announcements alike; each key's records counted against what the simulator sent it.
/// A key's records travel in order on one KIS session, so the records a key lacks lie between two of its runs; they are
/// accounted for when the next run's announcement names the key's last record on the stream and its run
/// (<c>previous_stream_seq</c>, <c>previous_stream_run</c>): the gap message says exactly where the hole begins, and the next run's first record
/// where it ends. Any other missing record (a key with no run change, a change no announcement states, a hole inside a
/// run) is unaccounted.
/// </summary>
internal static class GapAccounting
{
    /// <summary>One entry of a stream in order: a record (Seq ≥ 1) or a run announcement (Seq 0, with what it states).</summary>
    public sealed record Entry(string Run, string Key, long Seq, string? PreviousRun = null, long? PreviousStreamSeq = null,
        long? PreviousCheckpointSeq = null, string? PreviousStreamRun = null, bool PreviousStreamUnknown = false)
    {
        /// <summary>The run whose record <see cref="PreviousStreamSeq"/> is (a producer before <c>previous_stream_run</c>: the previous run).</summary>
        public string? StreamRun => PreviousStreamRun ?? PreviousRun;
    }

    /// <summary>Missing records of every key, those no gap message accounts for, and a line per key that has any.</summary>
    /// <remarks><c>TailShort</c>: records a key lacks with no later run and no hole inside a run: its last record(s) counted
    /// as sent when the simulator stalled but not on the stream (seen only in the kill test, at most 2 a key; not a gap).</remarks>
    /// <remarks><c>UnknownExtent</c>: records missing at a change whose announcement says the gateway did not find where the
    /// key's records end within its read's bound (<c>previous_stream_unknown</c>): stated, but not where the hole begins.</remarks>
    public sealed record Result(long Sent, long Got, long Missing, long Unaccounted, int Gaps, long TailShort, long UnknownExtent,
        IReadOnlyList<string> Lines);

    public static Result Account(IReadOnlyList<Entry> entries, IReadOnlyDictionary<string, long> sent)
    {
        long got = 0, missing = 0, unaccounted = 0, tailShort = 0, unknownExtent = 0;
        var gaps = 0;
        var lines = new List<string>();
        var byKey = entries.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var (key, made) in sent)
        {
            var list = byKey.GetValueOrDefault(key) ?? [];
            var records = list.Where(e => e.Seq > 0).ToList();
            var (inRun, stated, unstated, unknown) = (0L, 0, 0, 0);
            for (var i = 1; i < records.Count; i++)
            {
                var (before, after) = (records[i - 1], records[i]);
                if (before.Run == after.Run)
                {
                    inRun += Math.Max(0, after.Seq - before.Seq - 1);
                    continue;
                }
                // The run changed: the next run's announcement, ahead of its first record, must state the hole's start.
                var from = list.IndexOf(before);
                var between = list.Skip(from + 1).TakeWhile(e => e != after).ToList();
                var announcement = between.LastOrDefault(e => e.Seq == 0 && e.Run == after.Run);
                if (Stated(between, before, after.Run)) stated++;
                else if (announcement is { PreviousStreamUnknown: true }) unknown++;
                else
                {
                    unstated++;
                    lines.Add($"{key}: run {before.Run} seq {before.Seq} -> run {after.Run} seq {after.Seq}: " +
                              (announcement is null ? "no announcement" : $"announced previous {announcement.PreviousRun} stream seq " +
                              $"{announcement.PreviousStreamSeq?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, checkpoint seq " +
                              $"{announcement.PreviousCheckpointSeq?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}"));
                }
            }
            // A run that took the key over but has no record of it yet: its announcement after the last record states the hole.
            if (records.Count > 0 && list.Skip(list.IndexOf(records[^1]) + 1).ToList() is var rest
                && rest.LastOrDefault(e => e.Seq == 0 && e.Run != records[^1].Run) is { } open)
            {
                if (Stated(rest, records[^1], open.Run)) stated++;
                else if (open.PreviousStreamUnknown) unknown++;
                else unstated++;
            }
            var short_ = Math.Max(0, made - records.Count);
            got += records.Count;
            missing += short_;
            gaps += stated;
            // What the key lacks beyond holes inside a run lies between its runs: accounted when every change is stated.
            var betweenRuns = Math.Max(0, short_ - inRun);
            if (betweenRuns > 0 && stated == 0 && unstated == 0 && unknown == 0)
            {
                tailShort += betweenRuns;
                lines.Add($"{key}: sent {made}, on the stream {records.Count}, one run, short at its end");
                betweenRuns = 0;
            }
            var keyUnaccounted = inRun + (betweenRuns > 0 && unstated > 0 ? betweenRuns : 0);
            if (betweenRuns > 0 && unstated == 0 && unknown > 0)
            {
                unknownExtent += betweenRuns;
                lines.Add($"{key}: sent {made}, on the stream {records.Count}: {betweenRuns} missing in gaps stated as of unknown extent");
            }
            unaccounted += keyUnaccounted;
            if (keyUnaccounted > 0)
                lines.Add($"{key}: sent {made}, on the stream {records.Count}, hole inside a run {inRun}, changes stated {stated}, " +
                          $"not {unstated}; last entries " +
                          string.Join(" ", list.TakeLast(3).Select(e => $"[{e.Run[^8..]} {e.Seq} prev {e.PreviousRun?[^8..]} {e.PreviousStreamSeq}]")));
        }
        return new Result(sent.Values.Sum(), got, missing, unaccounted, gaps, tailShort, unknownExtent, lines);
    }

    /// <summary>
    /// Whether the announcements <paramref name="between"/> a key's record <paramref name="last"/> and the first of run
    /// <paramref name="next"/> state where the hole begins: <paramref name="next"/>'s names <paramref name="last"/>'s run
    /// and seq as the key's last record on the stream, whichever runs came between (a shard that moved twice in a row, its
    /// middle run publishing nothing of the key). Or, as a producer before <c>previous_stream_run</c> stated it, a chain:
    /// the first run after <paramref name="last"/>'s names its run and seq, each later one the run before it with no seq.
    /// </summary>
    private static bool Stated(List<Entry> between, Entry last, string next)
    {
        if (between.LastOrDefault(e => e.Seq == 0 && e.Run == next) is { } direct && direct.StreamRun == last.Run && direct.PreviousStreamSeq == last.Seq)
            return true;
        var (run, seq) = (last.Run, (long?)last.Seq);
        foreach (var announcement in between.Where(e => e.Seq == 0 && e.Run != run))
        {
            if (announcement.StreamRun != run || announcement.PreviousStreamSeq != seq) return false;
            (run, seq) = (announcement.Run, null);
            if (run == next) return true;
        }
        return false;
    }

    /// <summary>
    /// A TR's stream from its first offset, records and announcements in order (a plain AMQP consumer), until
    /// <paramref name="done"/> says enough or nothing came for <paramref name="quiet"/>.
    /// </summary>
    public static async Task<List<Entry>> ReadAsync(RabbitTestBroker broker, string trId, Func<List<Entry>, bool> done, TimeSpan quiet)
    {
        var entries = new List<Entry>();
        await using var connection = await broker.Endpoint.CreateFactory("kisrt-tests-gaps").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 500, false);
        var gate = new Lock();
        var (finished, last) = (false, DateTime.UtcNow);
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, d) =>
        {
            lock (gate)
            {
                if (finished) return;
                last = DateTime.UtcNow;
                if (d.BasicProperties.Headers?.ContainsKey(GatewayWire.KindHeader) == true) entries.Add(AnnouncementOf(d.BasicProperties, d.Body.Span));
                else entries.AddRange(RabbitTestBroker.RecordsOf(d.BasicProperties.Headers!, d.Body.ToArray()).Select(r => new Entry(r.Run, r.Key, r.Seq)));
                finished = done(entries);
            }
            if (!finished) await channel.BasicAckAsync(d.DeliveryTag, false);
        };
        await channel.BasicConsumeAsync(broker.Endpoint.StreamFor(trId), false, "", false, false,
            new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer);
        var bound = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            lock (gate)
            {
                if (finished || DateTime.UtcNow - last > quiet || DateTime.UtcNow > bound)
                {
                    finished = true;
                    return [.. entries];
                }
            }
            await Task.Delay(100);
        }
    }

    /// <summary>An announcement as the wire states it (docs/gateway.md): its run, key and the JSON body's previous run's figures.</summary>
    private static Entry AnnouncementOf(IReadOnlyBasicProperties properties, ReadOnlySpan<byte> body)
    {
        using var json = JsonDocument.Parse(body.ToArray());
        long? Number(string name) => json.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
        var previous = json.RootElement.TryGetProperty("previous_run", out var p) ? p.GetString() : null;
        var streamRun = json.RootElement.TryGetProperty("previous_stream_run", out var r) ? r.GetString() : null;
        var unknown = json.RootElement.TryGetProperty("previous_stream_unknown", out var u) && u.ValueKind == JsonValueKind.True;
        return new Entry(GatewayWire.Text(properties, GatewayWire.RunHeader)!, GatewayWire.Text(properties, GatewayWire.TrKeyHeader)!, 0, previous,
            Number("previous_stream_seq"), Number("previous_seq"), streamRun, unknown);
    }
}
