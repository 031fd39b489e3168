using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Kis.Realtime.Simulator.Tape;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Ledger;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// The paper venue's matching engine (<see cref="RestingBook"/>) on its own, fed recorded-like market events on one
/// core: a stock walking ±5 ticks around 50,000 KRW (tick 100), nine trades (either side, 1–300 shares) to each
/// 10-level book, against 1,000 resting paper orders (500 buys and 500 sells, ten per price over 50 prices each side,
/// some inside the book's depth, some beyond it). The orders are too large ever to fill completely, so the book stays
/// at 1,000 orders (the steady state) while trades and books keep filling, queueing and crossing them. One operation is
/// one market event; the goal is ≥ 1 M events a second and 0 B allocated per event. With <see cref="Settle"/> the events
/// go through the venue core as both venues drive it (<see cref="VenueCore"/>: the same engine, every fill settled by the
/// ledger, <see cref="LedgerAccount.Fill"/>: hold released, exact commission and tax, cash and position, and its event).
/// </summary>
[MemoryDiagnoser]
public class MatchingEngineBenchmarks
{
    private const int Events = 10_000;
    private const long Tick = 100, Mid = 50_000;

    private readonly record struct MarketEvent(TapeEventKind Kind, long Price, long Volume, bool Buyer, int Book);

    private RestingBook _book = null!;
    private MarketEvent[] _marketEvents = null!;
    private BookLevel[][] _asks = null!, _bids = null!;
    private VenueCore _core = null!;
    private readonly FillCounter _events = new();
    private static readonly DateTime At = new(2026, 11, 25, 10, 0, 0);

    /// <summary>The core's events, counted: what a venue would turn into notices.</summary>
    private sealed class FillCounter : IVenueEvents
    {
        public long Filled;

        public void OnOrderEvent(VenueOrder order, in OrderEvent e, decimal commission, decimal tax)
        {
            if (e.Kind == OrderEventKind.Filled) Filled += e.Quantity;
        }
    }

    /// <summary>Whether the events go through the venue core (engine, ledger settlement, events), or the engine runs alone.</summary>
    [Params(false, true)]
    public bool Settle { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _book = new RestingBook();
        _core = new VenueCore(_events);
        // Buys and sells in two accounts: the sells' account sells short of shares it never bought, keeping no cost to divide.
        var buyerAccount = new LedgerAccount(1_000_000_000_000m, TradingCosts.Default);
        var sellerAccount = new LedgerAccount(1_000_000_000_000m, TradingCosts.Default);
        var books = Events / 10;
        _asks = new BookLevel[books][];
        _bids = new BookLevel[books][];
        _marketEvents = new MarketEvent[Events];
        var bid = Mid;
        for (var b = 0; b < books; b++)
        {
            bid = Math.Clamp(bid + (random.Next(3) - 1) * Tick, Mid - 5 * Tick, Mid + 5 * Tick);
            _asks[b] = [.. Enumerable.Range(0, 10).Select(i => new BookLevel(bid + (i + 1) * Tick, random.Next(1, 2_000)))];
            _bids[b] = [.. Enumerable.Range(0, 10).Select(i => new BookLevel(bid - i * Tick, random.Next(1, 2_000)))];
            _marketEvents[b * 10] = new MarketEvent(TapeEventKind.Book, 0, 0, false, b);
            for (var t = 1; t < 10; t++)
            {
                var buyer = random.Next(2) == 0;
                _marketEvents[b * 10 + t] = new MarketEvent(TapeEventKind.Trade, buyer ? bid + Tick : bid, random.Next(1, 301), buyer, b);
            }
        }
        // Ten orders a price, 50 prices a side, from five ticks outside the walk's band inwards and outwards.
        long id = 0;
        for (var p = 0; p < 50; p++)
            for (var k = 0; k < 10; k++)
            {
                // Reserve price 0: the holds' arithmetic runs, but 1,000 huge orders' holds would overflow the cash.
                const long huge = long.MaxValue / 4;
                _core.Rest(new VenueOrder(id + 1, 0, "005930", buy: true, OrderKind.Limit, Mid - (p + 1) * Tick, huge, derivative: false,
                    buyerAccount) { ReservePrice = 0 },
                    _bids[0], DateTime.MinValue); // resting before every event: each one reaches it
                _core.Rest(new VenueOrder(id + 2, 0, "005930", buy: false, OrderKind.Limit, Mid + (p + 2) * Tick, huge, derivative: false,
                    sellerAccount) { ReservePrice = 0 },
                    _asks[0], DateTime.MinValue);
                _book.Add(new RestingOrder(++id, buy: true, kind: OrderKind.Limit, limit: Mid - (p + 1) * Tick, quantity: long.MaxValue / 4, sequence: id),
                    _bids[0]);
                _book.Add(new RestingOrder(++id, buy: false, kind: OrderKind.Limit, limit: Mid + (p + 2) * Tick, quantity: long.MaxValue / 4, sequence: id),
                    _asks[0]);
            }
        // Warm the fill buffer to its steady size.
        Run();
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "RestingBook: one market event, 1,000 resting orders")]
    public long Run()
    {
        if (Settle) return RunCore();
        long filled = 0;
        foreach (var e in _marketEvents)
        {
            var fills = e.Kind == TapeEventKind.Book ? _book.OnBook(_asks[e.Book], _bids[e.Book]) : _book.OnTrade(e.Price, e.Volume, e.Buyer);
            foreach (var fill in fills) filled += fill.Quantity;
        }
        return filled;
    }

    /// <summary>The events through the venue core: what both venues run for each market event.</summary>
    private long RunCore()
    {
        var before = _events.Filled;
        foreach (var e in _marketEvents)
        {
            if (e.Kind == TapeEventKind.Book) _core.OnBook("005930", false, _asks[e.Book], _bids[e.Book], At);
            else _core.OnTrade("005930", false, e.Price, e.Volume, e.Buyer, At);
        }
        return _events.Filled - before;
    }

    /// <summary>
    /// <c>engine-cpu</c>: the same events for about <paramref name="seconds"/> of this process's CPU time, as events per
    /// CPU-second and bytes allocated per event. CPU time, not wall time: on a machine shared by many builds a wall-clock
    /// figure says more about the neighbours than about the engine.
    /// </summary>
    public static int CpuHarness(string[] args)
    {
        var seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var bench = new MatchingEngineBenchmarks { Settle = args.Length > 2 && args[2] == "settle" };
        bench.Setup();
        for (var i = 0; i < 20; i++) bench.Run(); // JIT tiers and the fill buffer settle
        var process = Process.GetCurrentProcess();
        var cpuStart = process.TotalProcessorTime;
        var allocatedStart = GC.GetAllocatedBytesForCurrentThread();
        var wall = Stopwatch.StartNew();
        long events = 0;
        while ((process.TotalProcessorTime - cpuStart).TotalSeconds < seconds)
        {
            for (var i = 0; i < 20; i++) bench.Run();
            events += 20L * Events;
            process.Refresh();
        }
        var cpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedStart;
        Console.WriteLine($"engine-cpu{(bench.Settle ? " settle" : "")}: {events:N0} events, 1,000 resting orders: {events / cpu:N0} events per CPU-second " +
                          $"({cpu:0.00} s CPU, {wall.Elapsed.TotalSeconds:0.00} s wall), {(double)allocated / events:0.###} B allocated per event");
        return 0;
    }
}
