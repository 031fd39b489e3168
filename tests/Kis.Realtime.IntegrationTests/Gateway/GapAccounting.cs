using System.Text.Json;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 61's gap accounting, as an independent consumer does it from the wire (docs/gateway.md, Fleet): a TR's stream
/// read in order, records and run announcements alike; each key's records counted against what the simulator sent it.
/// A key's records travel in order on one KIS session, so the records a key lacks lie between two of its runs; they are
/// accounted for when the next run's announcement names the run before it and that run's last record on the stream
/// (<c>previous_stream_seq</c>): the gap message says exactly where the hole begins, and the next run's first record
/// where it ends. Any other missing record (a key with no run change, a change no announcement states, a hole inside a
/// run) is unaccounted.
/// </summary>
internal static class GapAccounting
{
    /// <summary>One entry of a stream in order: a record (Seq ≥ 1) or a run announcement (Seq 0, with what it states).</summary>
    public sealed record Entry(string Run, string Key, long Seq, string? PreviousRun = null, long? PreviousStreamSeq = null,
        long? PreviousCheckpointSeq = null);

    /// <summary>Missing records of every key, those no gap message accounts for, and a line per key that has any.</summary>
    /// <remarks><c>TailShort</c>: records a key lacks with no later run and no hole inside a run: its last record(s) counted
    /// as sent when the simulator stalled but not on the stream (seen only in the kill test, at most 2 a key; not a gap).</remarks>
    /// <remarks><c>AfterSilentRun</c>: records missing at a change whose announcement names a run that published nothing of
    /// the key, neither record nor announcement (a shard that moved twice in a row): the hole is real and bounded by the
    /// runs around it, but no announcement states where the earlier run's records end (docs/gateway.md, Not yet).</remarks>
    public sealed record Result(long Sent, long Got, long Missing, long Unaccounted, int Gaps, long TailShort, long AfterSilentRun,
        IReadOnlyList<string> Lines);

    public static Result Account(IReadOnlyList<Entry> entries, IReadOnlyDictionary<string, long> sent)
    {
        long got = 0, missing = 0, unaccounted = 0, tailShort = 0, afterSilentRun = 0;
        var gaps = 0;
        var lines = new List<string>();
        var byKey = entries.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var (key, made) in sent)
        {
            var list = byKey.GetValueOrDefault(key) ?? [];
            var records = list.Where(e => e.Seq > 0).ToList();
            var (inRun, stated, unstated, silent) = (0L, 0, 0, 0);
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
                else if (announcement?.PreviousStreamSeq is null && announcement?.PreviousRun is { } named && list.All(e => e.Run != named)) silent++;
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
                else unstated++;
            }
            var short_ = Math.Max(0, made - records.Count);
            got += records.Count;
            missing += short_;
            gaps += stated;
            // What the key lacks beyond holes inside a run lies between its runs: accounted when every change is stated.
            var betweenRuns = Math.Max(0, short_ - inRun);
            if (betweenRuns > 0 && stated == 0 && unstated == 0 && silent == 0)
            {
                tailShort += betweenRuns;
                lines.Add($"{key}: sent {made}, on the stream {records.Count}, one run, short at its end");
                betweenRuns = 0;
            }
            var keyUnaccounted = inRun + (betweenRuns > 0 && unstated > 0 ? betweenRuns : 0);
            if (betweenRuns > 0 && unstated == 0 && silent > 0)
            {
                afterSilentRun += betweenRuns;
                lines.Add($"{key}: sent {made}, on the stream {records.Count}: {betweenRuns} missing across a run that published nothing of it");
            }
            unaccounted += keyUnaccounted;
            if (keyUnaccounted > 0)
                lines.Add($"{key}: sent {made}, on the stream {records.Count}, hole inside a run {inRun}, changes stated {stated}, " +
                          $"not {unstated}; last entries " +
                          string.Join(" ", list.TakeLast(3).Select(e => $"[{e.Run[^8..]} {e.Seq} prev {e.PreviousRun?[^8..]} {e.PreviousStreamSeq}]")));
        }
        return new Result(sent.Values.Sum(), got, missing, unaccounted, gaps, tailShort, afterSilentRun, lines);
    }

    /// <summary>
    /// Whether the announcements <paramref name="between"/> a key's record <paramref name="last"/> and the first of run
    /// <paramref name="next"/> state the hole as a chain: the first run after <paramref name="last"/>'s names its run and
    /// seq; a run that then published nothing of the key (none of its records lie between) is named by the next one with
    /// no seq (it had none to state), and so on to <paramref name="next"/>. A shard that moves twice in a row, its middle
    /// run publishing nothing of a key, is stated this way.
    /// </summary>
    private static bool Stated(List<Entry> between, Entry last, string next)
    {
        var (run, seq) = (last.Run, (long?)last.Seq);
        foreach (var announcement in between.Where(e => e.Seq == 0 && e.Run != run))
        {
            if (announcement.PreviousRun != run || announcement.PreviousStreamSeq != seq) return false;
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
        return new Entry(GatewayWire.Text(properties, GatewayWire.RunHeader)!, GatewayWire.Text(properties, GatewayWire.TrKeyHeader)!, 0, previous,
            Number("previous_stream_seq"), Number("previous_seq"));
    }
}
