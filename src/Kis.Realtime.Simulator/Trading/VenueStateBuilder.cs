namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// A snapshot with journal records applied in order (<see cref="VenueJournal.Replay"/>): an account in a record replaces
/// the account's cash, costs and positions, its orders replace those of the same number and the new ones join; the
/// order-number sequence and the clocks only move forward.
/// </summary>
internal sealed class VenueStateBuilder
{
    private readonly Dictionary<string, VenueAccountState> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<long, VenueOrderState>> _orders = new(StringComparer.Ordinal);
    private DateTime _marketTime, _day;
    private long _lastOrderNumber;

    public VenueStateBuilder(VenueSnapshot? snapshot)
    {
        if (snapshot is null) return;
        (_marketTime, _day, _lastOrderNumber) = (snapshot.MarketTime, snapshot.Day, snapshot.LastOrderNumber);
        foreach (var account in snapshot.Accounts) Apply(account);
    }

    public void Apply(VenueJournalRecord record)
    {
        if (record.MarketTime > _marketTime) _marketTime = record.MarketTime;
        if (record.Day > _day) _day = record.Day;
        _lastOrderNumber = Math.Max(_lastOrderNumber, record.LastOrderNumber);
        foreach (var account in record.Accounts) Apply(account);
    }

    private void Apply(VenueAccountState account)
    {
        _accounts[account.Number] = account;
        if (!_orders.TryGetValue(account.Number, out var orders)) _orders[account.Number] = orders = [];
        foreach (var order in account.Orders) orders[order.Number] = order;
    }

    /// <summary>The state as a snapshot (the accounts in number order, each account's orders in number order: the
    /// order they were placed in), continuing the journal at <paramref name="journal"/>.</summary>
    public VenueSnapshot Build(long journal) => new(VenueSnapshot.CurrentVersion, _marketTime, _day, _lastOrderNumber,
        [.. _accounts.Values.OrderBy(a => a.Number, StringComparer.Ordinal)
            .Select(a => a with { Orders = [.. _orders[a.Number].Values.OrderBy(o => o.Number)] })], journal);
}
