using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// The venue's state taken out and put back (issue 55, item 7): what <see cref="VenueStateFile"/> keeps across a
/// restart. Two narrow doors, both under the venue's lock: <see cref="Snapshot"/> copies everything a restart needs,
/// <see cref="Restore"/> puts it into a venue no call has used yet. With a journal (<see cref="Journal(VenueJournal)"/>),
/// every call that changes the state appends what it changed before it lets the lock go, and an order's answer waits
/// until that is on disk (issue 73: acknowledged = durable).
/// </summary>
internal sealed partial class PaperVenue
{
    private readonly VenueChangeJournal _changes = new(); // under _gate

    /// <summary>Journals every change from now on (the state file's <see cref="VenueStateFile.Keep"/>, after
    /// <see cref="Restore"/>).</summary>
    public void Journal(VenueJournal journal)
    {
        lock (_gate) _changes.Keep(journal);
    }

    /// <summary>A copy of the venue's state at market time <paramref name="now"/>; with a journal, the journal's next
    /// generation begins here (<see cref="VenueSnapshot.Journal"/>).</summary>
    public VenueSnapshot Snapshot(DateTime now)
    {
        lock (_gate)
        {
            ReadTape(); // fills the market made are part of the state
            JournalChanges(); // in the old generation too: kept if this snapshot is never written
            var accounts = _accounts.All.OrderBy(a => a.Number, StringComparer.Ordinal)
                .Select(a => VenueChangeJournal.StateOf(a, a.Orders)).ToArray();
            return new VenueSnapshot(VenueSnapshot.CurrentVersion, now, _day, _market.LastOrderNumber, accounts, _changes.Rotate());
        }
    }

    /// <summary>Appends what changed since the last line to the journal (<see cref="VenueChangeJournal.Append"/>); the
    /// line's sequence number. Under the lock, at the end of every call that may change the state.</summary>
    private long JournalChanges() => _changes.Append(_market.Clock.Now(), _day, _market.LastOrderNumber);

    /// <summary>
    /// Puts <paramref name="snapshot"/> into this venue (new: no account yet): accounts, orders and positions as they
    /// were; the open orders rest again in time order, at the back of their price's queue in the book of now (a
    /// restart does not know what traded meanwhile); the market's order numbers continue after the last one issued.
    /// </summary>
    public void Restore(VenueSnapshot snapshot)
    {
        _market.ContinueOrderNumbersAfter(snapshot.LastOrderNumber);
        lock (_gate)
        {
            var open = _accounts.Restore(snapshot.Accounts);
            _day = snapshot.Day;
            Span<BookLevel> asks = stackalloc BookLevel[Market.StockBook.Levels], bids = stackalloc BookLevel[Market.StockBook.Levels];
            foreach (var order in open.OrderBy(o => o.Number))
            {
                order.Account.Hold(order.Terms, 0, order.Remaining); // what it holds, as at its placement
                if (order.Rules.IsDerivative)
                {
                    var quote = _market.DerivativeForOrders(order.Code).Quote;
                    asks[0] = new BookLevel(quote.Ask, quote.AskQuantity);
                    bids[0] = new BookLevel(quote.Bid, quote.BidQuantity);
                    Rest(order, order.Buy ? bids[..1] : asks[..1]);
                    continue;
                }
                var (askCount, bidCount) = _market.OrderBookFor(order.Code).Depth(asks, bids);
                Rest(order, order.Buy ? bids[..bidCount] : asks[..askCount]);
            }
        }
    }
}
