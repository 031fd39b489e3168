using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Rules;
using static Kis.Realtime.Tests.Simulator.VenueStateFileTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73, finding 1: kill -9 of <c>kisrt sim</c> within a second of three acknowledged orders lost them, and the next
/// order got a number issued before. The venue's journal (<see cref="VenueJournal"/>) writes every change to disk before
/// the order's answer; a start replays it after the state file's snapshot. A crash here is the state file let go without
/// its clean-stop save and before its timer ever ran (the fake clock does not move).
/// </summary>
public sealed class VenueJournalTests
{
    private static string NewStateFile() => Path.Combine(Cli.CliTestKit.EmptyDirectory(), "sim-state.json");

    private static long[] NumbersOnDisk(string file) => [.. VenueStateFile.Read(file)!.Accounts.SelectMany(a => a.Orders).Select(o => o.Number)];

    [Fact]
    public void Every_acknowledged_order_is_on_disk_when_answered_and_a_crash_loses_none_of_them()
    {
        var file = NewStateFile();
        var (first, _) = Hub(file);
        var now = first.Market.Clock.Now();
        var bid = first.Market.StockBookForOrders(Code).Touch().Bid;
        var acknowledged = new List<long>();
        void OnDisk(PaperResult result)
        {
            Assert.True(result.Accepted, result.Message);
            acknowledged.Add(result.Order!.Number);
            Assert.Equal(acknowledged, NumbersOnDisk(file).Where(acknowledged.Contains).Order()); // read before any save: the journal
        }

        OnDisk(first.Venue.Place(Request(buy: true, market: true, 5, 0), now));
        var resting = first.Venue.Place(Request(buy: true, market: false, 3, Under(bid)), now);
        OnDisk(resting);
        var other = first.Venue.Place(Request(buy: true, market: false, 4, Under(Under(bid))), now);
        OnDisk(other);
        OnDisk(first.Venue.AmendOrCancel(Account, AppKey, resting.Order!.Number, false, cancel: false, 0, wholeRemainder: true, Under(Under(bid)), now));
        OnDisk(first.Venue.AmendOrCancel(Account, AppKey, other.Order!.Number, false, cancel: true, 0, wholeRemainder: true, 0, now));
        var before = first.Venue.View(Account);
        first.StateFile!.Dispose(discard: true); // the crash: no save, the timer never ran

        var (second, _) = Hub(file);

        var after = second.Venue.View(Account);
        Assert.Equal(before.Orders, after.Orders);
        Assert.Equal(before.Positions, after.Positions);
        Assert.Equal((before.Cash, before.FreeCash), (after.Cash, after.FreeCash));
        var next = second.Venue.Place(Request(buy: true, market: false, 1, Under(bid)), second.Market.Clock.Now());
        Assert.True(next.Order!.Number > acknowledged.Max(), $"number {next.Order.Number} was issued before the crash");
        second.StateFile!.Dispose();
    }

    [Fact]
    public void A_torn_last_journal_line_is_ignored_and_counted_not_fatal()
    {
        var file = NewStateFile();
        var (first, _) = Hub(file);
        var now = first.Market.Clock.Now();
        var numbers = new[] { 2L, 3L }.Select(q => first.Venue.Place(Request(buy: true, market: true, q, 0), now).Order!.Number).ToArray();
        first.StateFile!.Dispose(discard: true);
        var journal = Assert.Single(VenueJournal.Files(file));
        var lines = File.ReadAllLines(journal.Path);
        File.AppendAllText(journal.Path, lines[^1][..(lines[^1].Length / 2)]); // a write the crash cut short

        var (second, _) = Hub(file);

        Assert.Equal(1, second.StateFile!.TornRecords);
        Assert.Equal(numbers, second.Venue.View(Account).Orders.Select(o => o.Number));
        second.StateFile.Dispose();
        var (third, _) = Hub(file); // the start's snapshot took the journal's place: nothing torn is left
        Assert.Equal(0, third.StateFile!.TornRecords);
        third.StateFile.Dispose();
    }

    [Fact]
    public void A_damaged_journal_line_before_the_last_is_a_typed_error_naming_the_journal()
    {
        var file = NewStateFile();
        var (first, _) = Hub(file);
        var now = first.Market.Clock.Now();
        first.Venue.Place(Request(buy: true, market: true, 2, 0), now);
        first.Venue.Place(Request(buy: true, market: true, 3, 0), now);
        first.StateFile!.Dispose(discard: true);
        var journal = Assert.Single(VenueJournal.Files(file)).Path;
        var lines = File.ReadAllLines(journal);
        lines[0] = lines[0][..10] + "garbage";
        File.WriteAllLines(journal, lines);

        var e = Assert.Throws<KisSimulatorStateException>(() => Hub(file));

        Assert.Contains(journal, e.Message, StringComparison.Ordinal);
        Assert.Contains("line 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_compacts_the_journal_and_what_follows_it_survives_a_crash()
    {
        var file = NewStateFile();
        var (first, time) = Hub(file);
        var now = first.Market.Clock.Now();
        var early = first.Venue.Place(Request(buy: true, market: true, 2, 0), now).Order!.Number;
        time.Advance(VenueStateFile.Interval); // the timer's snapshot
        Assert.Contains(early, VenueStateFile.ReadSnapshotOnly(file)!.Accounts.SelectMany(a => a.Orders).Select(o => o.Number));
        Assert.All(VenueJournal.Files(file), j => Assert.Empty(File.ReadAllLines(j.Path))); // compacted: the journal starts over
        var late = first.Venue.Place(Request(buy: false, market: true, 1, 0), first.Market.Clock.Now()).Order!.Number;
        var before = first.Venue.View(Account);
        first.StateFile!.Dispose(discard: true);

        var (second, _) = Hub(file);

        Assert.Equal([early, late], second.Venue.View(Account).Orders.Select(o => o.Number));
        Assert.Equal(before.Positions, second.Venue.View(Account).Positions);
        second.StateFile!.Dispose();
    }
}
