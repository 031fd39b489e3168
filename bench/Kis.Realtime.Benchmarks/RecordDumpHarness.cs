using System.Text;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Core;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// `record-dump [seconds]`: the simulator's records for a fixed seed and clock, as text on standard output: every TR's
/// stream at its example key for a number of simulated seconds, then the order-notice writer over every event kind and
/// layout. Run it before and after a change to the writers (or to views.json and the catalog) and compare the files
/// byte for byte: the simulator's output for a seed must not move unless the change means it to.
/// </summary>
internal static class RecordDumpHarness
{
    public static int Run(string[] args)
    {
        var seconds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
        var stdout = Console.OpenStandardOutput();
        var buffer = new byte[64 * 1024];
        var market = new SimulatedMarket(SimulatorOptions.Default with
        {
            TimeProvider = new FixedTime(new DateTimeOffset(2026, 11, 23, 1, 30, 0, TimeSpan.Zero)), Seed = 5, RandomNotices = true,
        });
        var now = new DateTime(2026, 11, 23, 10, 30, 0, DateTimeKind.Unspecified);
        var records = 0;
        foreach (var tr in KisTrs.All)
        {
            var stream = market.Get(tr, tr.KeyExample).Stream;
            for (var n = 0; n < seconds; n++)
            {
                var at = now.AddSeconds(n);
                if (!stream.HasRecordAt(at)) continue;
                var w = new RecordWriter(buffer);
                stream.WriteRecord(ref w, at);
                Line(stdout, tr.Id, w.WrittenSpan);
                records++;
            }
        }
        foreach (var e in NoticeEvents(now))
        {
            foreach (var fields in new[] { OrderNotices.DerivativeFields, OrderNotices.NightFields })
            {
                var w = new RecordWriter(buffer);
                OrderNotices.Write(ref w, e, "abcd1234", "5012345601", "홍길동", "삼성전자", fields);
                Line(stdout, $"notice/{fields}", w.WrittenSpan);
            }
            var o = new RecordWriter(buffer);
            OrderNotices.WriteOverseas(ref o, e, "abcd1234", "5012345601", "홍길동", "APPLE INC");
            Line(stdout, "notice/overseas", o.WrittenSpan);
            records += 3;
        }
        Console.Error.WriteLine($"{records} records");
        return 0;
    }

    /// <summary>
    /// `field-roles`: the role, level and summed fields the simulator's generic writer gives each field of every TR (read
    /// from the stream's own tables), one line a field: compare before and after a change to the roles or views.json,
    /// also for the TRs that send nothing at record-dump's hour.
    /// </summary>
    public static int Roles()
    {
        const System.Reflection.BindingFlags Private = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
        var market = new SimulatedMarket(SimulatorOptions.Default with
        {
            TimeProvider = new FixedTime(new DateTimeOffset(2026, 11, 23, 1, 30, 0, TimeSpan.Zero)), Seed = 5,
        });
        var table = typeof(GenericStream);
        foreach (var tr in KisTrs.All)
        {
            if (market.Get(tr, tr.KeyExample).Stream is not GenericStream stream) continue;
            var roles = (FieldRole[])table.GetField("_roles", Private)!.GetValue(stream)!;
            var levels = (int[])table.GetField("_levels", Private)!.GetValue(stream)!;
            var members = (int[]?[])table.GetField("_members", Private)!.GetValue(stream)!;
            for (var i = 0; i < roles.Length; i++)
                Console.WriteLine($"{tr.Id} {tr.Fields[i].Name} {roles[i]} {levels[i]} {string.Join(',', members[i] ?? [])}");
        }
        return 0;
    }

    /// <summary>Every event kind, stock and derivative, new and amending, limit and market, and a negative value.</summary>
    private static IEnumerable<OrderEvent> NoticeEvents(DateTime at)
    {
        foreach (var kind in Enum.GetValues<OrderEventKind>())
            foreach (var derivative in new[] { false, true })
                foreach (var original in new[] { 0L, 777L })
                {
                    yield return new(kind, 12345, original, "005930", true, false, derivative, 10, 71500, 30, 20, 71600, at.AddSeconds(7));
                    yield return new(kind, 12346, original, "101W09", false, true, derivative, 3, 35025, 4, 1, 0, at.AddSeconds(59));
                }
        yield return new(OrderEventKind.Filled, -5, -6, "X", true, true, true, -1, -2, -3, -4, -5, at);
    }

    private static void Line(Stream output, string label, ReadOnlySpan<byte> record)
    {
        output.Write(Encoding.UTF8.GetBytes(label + "|"));
        output.Write(record);
        output.WriteByte((byte)'\n');
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
