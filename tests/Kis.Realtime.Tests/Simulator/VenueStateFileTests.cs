using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Hosting;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Tests.Client;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 55, item 7: a restart of the simulator forgot the day (cash, positions, open orders), put the market clock
/// back and reused order numbers (the first new order got ODNO 0000004707, issued before the restart). With a state
/// file the venue continues: <see cref="VenueStateFile"/>.
/// </summary>
public sealed class VenueStateFileTests
{
    internal const string Code = "015760";
    internal const string Account = "5012345601";
    internal const string AppKey = "PSstatefiletestkey0001";
    private static readonly DateTimeOffset Start = ContinuousFrom(new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9)));

    /// <summary>The first second from <paramref name="from"/> with no VI of the stock in force (its market orders trade).</summary>
    private static DateTimeOffset ContinuousFrom(DateTimeOffset from)
    {
        var book = new Kis.Realtime.Simulator.Market.SimulatedMarket(SimulatorOptions.Default).StockBookForOrders(Code);
        while (book.IsInterrupted(from.DateTime)) from = from.AddSeconds(1);
        return from;
    }

    internal static (SimulatorHub Hub, FakeTimeProvider Time) Hub(string stateFile)
    {
        var time = new FakeTimeProvider(Start);
        var options = SimulatorOptions.Default with
        {
            MarketStart = Start, ClockSpeed = 1, TimeProvider = time, StateFile = stateFile, DriveRestingOrders = false, RandomNotices = false,
        };
        return (new SimulatorHub(options), time);
    }

    internal static PaperOrderRequest Request(bool buy, bool market, long quantity, long price)
        => new(Account, "simuser01", Code, buy, market ? OrderKind.Market : OrderKind.Limit, quantity, price, AppKey: AppKey);

    /// <summary>20 ticks under <paramref name="price"/>: a buy there rests.</summary>
    internal static long Under(long price)
    {
        for (var i = 0; i < 20; i++) price = KrxRules.StockTickDown(price);
        return price;
    }

    [Fact]
    public void A_restart_continues_cash_positions_open_orders_numbering_and_the_clock()
    {
        var file = Path.Combine(Cli.CliTestKit.EmptyDirectory(), "sim-state.json");
        var (first, time) = Hub(file);
        var now = first.Market.Clock.Now();
        var bought = first.Venue.Place(Request(buy: true, market: true, 7, 0), now);
        Assert.Equal(7, bought.Order!.Filled);
        var bid = first.Market.StockBookForOrders(Code).Touch().Bid;
        var resting = first.Venue.Place(Request(buy: true, market: false, 3, Under(bid)), now).Order!; // far under the bid: it rests
        time.Advance(TimeSpan.FromMinutes(30));
        var before = first.Venue.View(Account);
        var stoppedAt = first.Market.Clock.Now();
        var numbers = before.Orders.Select(o => o.Number).ToArray();
        first.StateFile!.Dispose(); // the simulator stops

        var (second, _) = Hub(file); // its own clock starts at the scenario's start again

        Assert.NotNull(second.RestoredState);
        Assert.True(second.Market.Clock.Now() >= stoppedAt, $"the clock went back: {second.Market.Clock.Now():HH:mm:ss} < {stoppedAt:HH:mm:ss}");
        var after = second.Venue.View(Account);
        Assert.Equal((before.Cash, before.FreeCash), (after.Cash, after.FreeCash));
        Assert.Equal(before.Positions, after.Positions);
        Assert.Equal(before.Orders, after.Orders);
        var open = Assert.Single(after.Orders, o => o.Remaining > 0);
        Assert.Equal((resting.Number, 3L), (open.Number, open.Remaining));
        // The open order is cancellable by its number, by the app key that placed it, and by no other.
        var at = second.Market.Clock.Now();
        Assert.Equal("OPSQ2000", second.Venue.AmendOrCancel(Account, "PSanotherkey", resting.Number, false, true, 0, true, 0, at).MessageCode);
        var cancelled = second.Venue.AmendOrCancel(Account, AppKey, resting.Number, derivative: false, cancel: true, 0, wholeRemainder: true, 0, at);
        Assert.True(cancelled.Accepted, cancelled.Message);
        Assert.True(cancelled.Order!.Number > numbers.Max(), $"number {cancelled.Order.Number} was issued before the restart");
        var next = second.Venue.Place(Request(buy: true, market: false, 1, Under(bid)), at).Order!;
        Assert.True(next.Number > cancelled.Order.Number);
        second.StateFile!.Dispose();
    }

    [Fact]
    public void A_changed_state_is_on_disk_within_the_interval_without_a_clean_stop()
    {
        var file = Path.Combine(Cli.CliTestKit.EmptyDirectory(), "sim-state.json");
        var (hub, time) = Hub(file);
        var placed = hub.Venue.Place(Request(buy: true, market: true, 2, 0), hub.Market.Clock.Now());

        time.Advance(VenueStateFile.Interval); // the timer's save; then the process could die

        var saved = VenueStateFile.Read(file)!;
        var account = Assert.Single(saved.Accounts);
        Assert.Equal(placed.Order!.Number, Assert.Single(account.Orders).Number);
        Assert.Equal(2, Assert.Single(account.Positions).Quantity);
        Assert.DoesNotContain(AppKey, File.ReadAllText(file), StringComparison.Ordinal); // only its hash
        Assert.False(File.Exists(file + ".tmp"));
        hub.StateFile!.Dispose(discard: true);
    }

    [Theory]
    [InlineData("{ not json", "not a state file")]
    [InlineData("""{"Version": 99, "Accounts": []}""", "its version is 99")]
    [InlineData("""{"Accounts": []}""", "its version is missing")]
    [InlineData("""{"Version": 2}""", "lacks accounts")]
    [InlineData("""{"Version": 1, "Accounts": []}""", "its version is 1")] // whole-won cash, before the venue core
    public void An_unusable_state_file_is_a_typed_error_naming_it_and_is_left_as_it_was(string text, string why)
    {
        var file = Path.Combine(Cli.CliTestKit.EmptyDirectory(), "sim-state.json");
        File.WriteAllText(file, text);

        var e = Assert.Throws<KisSimulatorStateException>(() => Hub(file));

        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.Contains("--no-state", e.Message, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllText(file));
        Assert.False(File.Exists(file + ".lock")); // let go: the next start may try again
    }

    [Fact]
    public void Two_simulators_do_not_share_one_state_file()
    {
        var file = Path.Combine(Cli.CliTestKit.EmptyDirectory(), "sim-state.json");
        var (first, _) = Hub(file);

        var e = Assert.Throws<KisSimulatorStateException>(() => Hub(file));

        Assert.Contains("in use by another simulator", e.Message, StringComparison.Ordinal);
        first.StateFile!.Dispose();
    }

    [Fact]
    public void Kisrt_sim_keeps_a_state_file_by_default_and_the_options_name_it_or_turn_it_off()
    {
        Assert.Equal(SimCommand.DefaultStateFile, SimCommand.ParseStateFile(null, none: false));
        Assert.EndsWith("sim-state.json", SimCommand.DefaultStateFile, StringComparison.Ordinal);
        Assert.Equal("/tmp/x.json", SimCommand.ParseStateFile("/tmp/x.json", none: false));
        Assert.Null(SimCommand.ParseStateFile(null, none: true));
        Assert.Throws<CliUsageException>(() => SimCommand.ParseStateFile("/tmp/x.json", none: true));
    }
}
