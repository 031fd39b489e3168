using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// No TR's record repeats the one before it for its key: KIS publishes a record when something happened (a trade, a
/// changed book or index), and a consumer that drops exact repeats as replays would lose nothing real. A tap of KIS's
/// Python sample (examples_user's bond sample) found 702 of 3,679 bond-index records (H0BICNT0) byte-identical to the
/// previous one of their index: the generic walk stays put one step in five, and an index carries no traded volume
/// that would tell two records of one second apart.
/// </summary>
public sealed class RecordRepeatTests
{
    [Fact]
    public void No_TRs_record_repeats_the_previous_one_of_its_key_when_asked_again_in_the_same_second()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with
        {
            TimeProvider = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 1, 30, 0, TimeSpan.Zero)), Seed = 5, RandomNotices = false,
        });
        // A Monday: KRX's day at 10:30 KST, the US day session at 23:30 KST, KRX's night session at 03:00 KST.
        DateTime[] instants = [new(2026, 11, 23, 10, 30, 0), new(2026, 11, 23, 23, 30, 0), new(2026, 11, 24, 3, 0, 0)];
        var buffer = new byte[64 * 1024];
        var repeating = new List<string>();
        var checkedTrs = 0;
        foreach (var tr in KisTrs.All)
        {
            var instrument = market.Get(tr, tr.KeyExample);
            if (FirstInstantWithRecords(instrument) is not { } now) continue;
            checkedTrs++;
            string? previous = null;
            var repeats = 0;
            for (var n = 0; n < 200; n++)
            {
                var writer = new RecordWriter(buffer);
                if (instrument.WriteRecords(ref writer, 1, now) == 0) continue;
                var record = System.Text.Encoding.UTF8.GetString(writer.WrittenSpan);
                if (record == previous) repeats++;
                previous = record;
            }
            if (repeats > 0) repeating.Add($"{tr.Id}: {repeats} of 200");
        }

        Assert.True(checkedTrs >= 50, $"only {checkedTrs} TRs had records at the instants tried");
        Assert.True(repeating.Count == 0, "records repeating the previous one of their key:\n" + string.Join("\n", repeating));

        DateTime? FirstInstantWithRecords(Instrument instrument)
        {
            foreach (var at in instants)
                if (instrument.Stream.HasRecordAt(instrument.Hours.RecordTime(at))) return at;
            return null;
        }
    }
}
