using Kis.Realtime.Benchmarks;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 61's gap accounting, as an independent consumer does it from the wire (docs/gateway.md, Fleet): a TR's stream
/// read in order, records and run announcements alike; each key's records counted against what the simulator sent it,
/// by the rule the whole-market harness uses too (<see cref="GapRule"/>, linked from bench/).
/// </summary>
internal static class GapAccounting
{
    /// <summary>One entry of a stream in order: a record (Seq ≥ 1) or a run announcement (Seq 0, with what it states).</summary>
    public sealed record Entry(string Run, string Key, long Seq, GapRule.Announcement? Announcement = null)
    {
        public string? PreviousRun => Announcement?.PreviousRun;
        /// <summary>The run whose record <see cref="PreviousStreamSeq"/> is (a producer before <c>previous_stream_run</c>: the previous run).</summary>
        public string? PreviousStreamRun => Announcement?.StreamRun;
        public long? PreviousStreamSeq => Announcement?.StreamSeq;
        public bool PreviousStreamUnknown => Announcement?.Unknown == true;
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
            var announcements = list.Where(e => e.Announcement is not null).Select(e => e.Announcement!.Value).ToList();
            // The key's runs in stream order with each one's last seq, and the holes inside a run (seq jumps).
            var (inRun, runs) = (0L, new List<(string Run, long LastSeq)>());
            for (var i = 0; i < records.Count; i++)
            {
                if (i > 0 && records[i - 1].Run == records[i].Run) inRun += Math.Max(0, records[i].Seq - records[i - 1].Seq - 1);
                else runs.Add((records[i].Run, 0));
                runs[^1] = (records[i].Run, records[i].Seq);
            }
            // A run that took the key over but has no record of it yet: its announcement after the last record states the hole.
            var open = records.Count == 0 ? null
                : list.Skip(list.IndexOf(records[^1]) + 1).LastOrDefault(e => e.Seq == 0 && e.Run != records[^1].Run)?.Run;
            var account = GapRule.Account(made, records.Count, inRun, runs, open, announcements);
            got += records.Count;
            missing += Math.Max(0, made - records.Count);
            gaps += account.Stated;
            (unaccounted, tailShort, unknownExtent) = (unaccounted + account.Unaccounted, tailShort + account.TailShort, unknownExtent + account.UnknownExtent);
            if (account.TailShort > 0) lines.Add($"{key}: sent {made}, on the stream {records.Count}, one run, short at its end");
            if (account.UnknownExtent > 0)
                lines.Add($"{key}: sent {made}, on the stream {records.Count}: {account.UnknownExtent} missing in gaps of unknown extent");
            if (account.Unaccounted > 0)
                lines.Add($"{key}: sent {made}, on the stream {records.Count}, hole inside a run {inRun}, changes stated {account.Stated}, " +
                          $"not {account.Unstated}; runs " + string.Join(" ", runs.Select(r => $"[{r.Run[^8..]} to {r.LastSeq}]")) + "; announced " +
                          string.Join(" ", announcements.Select(a => $"[{a.Run[^8..]}: {a.StreamRun?[^8..]} {a.StreamSeq}{(a.Unknown ? " unknown" : "")}]")));
        }
        return new Result(sent.Values.Sum(), got, missing, unaccounted, gaps, tailShort, unknownExtent, lines);
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

    /// <summary>An announcement as the wire states it (docs/gateway-standby.md): its run, key and the JSON body.</summary>
    private static Entry AnnouncementOf(IReadOnlyBasicProperties properties, ReadOnlySpan<byte> body)
    {
        var run = GatewayWire.Text(properties, GatewayWire.RunHeader)!;
        return new Entry(run, GatewayWire.Text(properties, GatewayWire.TrKeyHeader)!, 0, GapRule.Parse(run, body));
    }
}
