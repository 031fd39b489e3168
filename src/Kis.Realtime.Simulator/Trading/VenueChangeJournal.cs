using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// A <see cref="PaperVenue"/>'s changes on their way to its <see cref="VenueJournal"/> (issue 73: acknowledged =
/// durable): the orders and accounts changed since the last line, appended as one line at the end of every call that
/// may change the state, so the lines follow the venue's order; and the wait for a line to be on disk. Without a
/// journal it keeps nothing. Not thread-safe: the venue's lock guards every call but <see cref="Commit"/> and
/// <see cref="CommitAll"/>, made after the lock is let go (the calls arriving meanwhile share the fsync).
/// </summary>
internal sealed class VenueChangeJournal
{
    private VenueJournal? _journal;
    private readonly HashSet<PaperOrder> _changedOrders = new(ReferenceEqualityComparer.Instance); // since the last journal line
    private readonly HashSet<PaperAccount> _changedAccounts = new(ReferenceEqualityComparer.Instance);

    /// <summary>True once a journal is kept.</summary>
    public bool IsKept => _journal is not null;

    /// <summary>Journals every change from now on.</summary>
    public void Keep(VenueJournal journal) => _journal = journal;

    /// <summary>Marks an order (and its account) changed, for the next line.</summary>
    public void Changed(VenueOrder order)
    {
        if (_journal is null) return;
        var paper = (PaperOrder)order;
        _changedOrders.Add(paper);
        _changedAccounts.Add(paper.Account);
    }

    /// <summary>Marks an account changed (new, or its day started), for the next line.</summary>
    public void Changed(PaperAccount account)
    {
        if (_journal is not null) _changedAccounts.Add(account);
    }

    /// <summary>Appends what changed since the last line (nothing when nothing did); the line's sequence number for
    /// <see cref="Commit"/> (0: nothing to wait for).</summary>
    public long Append(DateTime marketTime, DateTime day, long lastOrderNumber)
    {
        if (_journal is null || _changedAccounts.Count == 0) return 0;
        var accounts = _changedAccounts.OrderBy(a => a.Number, StringComparer.Ordinal)
            .Select(a => StateOf(a, _changedOrders.Where(o => o.Account == a).OrderBy(o => o.Number))).ToArray();
        _changedOrders.Clear();
        _changedAccounts.Clear();
        return _journal.Append(new VenueJournalRecord(marketTime, day, lastOrderNumber, accounts));
    }

    /// <summary>Returns once line <paramref name="sequence"/> is on disk: an order is answered only then.</summary>
    public void Commit(long sequence)
    {
        if (sequence > 0) _journal!.Commit(sequence);
    }

    /// <summary>Returns once every line appended is on disk.</summary>
    public void CommitAll() => _journal!.CommitAll();

    /// <summary>Begins the journal's next generation (a snapshot's); 0 without a journal.</summary>
    public long Rotate() => _journal?.Rotate() ?? 0;

    /// <summary>An account's state with <paramref name="orders"/>, as a snapshot or a journal line keeps it.</summary>
    public static VenueAccountState StateOf(PaperAccount a, IEnumerable<PaperOrder> orders) => new(
        a.Number, a.HtsId, PaperAccount.HashOwner(a.Owner), a.Cash, a.CostsCharged,
        [.. orders.Select(o => new VenueOrderState(o.Number, o.Original, o.Code, o.Buy, o.IsMarket, o.Quantity, o.Request.Price,
            o.Rules.IsDerivative, o.PlacedAt, o.ReservePrice, o.Remaining, o.Filled, o.FilledValue, o.Cancelled, o.Closed, o.Commission, o.Tax))],
        [.. a.Positions.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new VenuePositionState(p.Key, p.Value.Quantity, p.Value.Cost,
            p.Value.BoughtToday, p.Value.SoldToday, p.Value.Derivative, p.Value.Realized))]);
}
