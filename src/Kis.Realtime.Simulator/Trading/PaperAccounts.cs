using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Ledger;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// The paper venue's accounts by number and who owns each: an account given to an app key up front (<see cref="Bind"/>)
/// belongs to it, any other to the app key that first used it (<see cref="Open"/>); restored from a snapshot with their
/// orders (<see cref="Restore"/>); copied for the inquiries (<see cref="View"/>). Not thread-safe: the venue's lock
/// guards it.
/// </summary>
internal sealed class PaperAccounts(TradingCosts costs)
{
    private readonly Dictionary<string, PaperAccount> _byNumber = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Owner, string HtsId)> _bound = new(StringComparer.Ordinal); // given to an app key up front

    /// <summary>Every account, in no order.</summary>
    public IEnumerable<PaperAccount> All => _byNumber.Values;

    /// <summary>The account numbered <paramref name="number"/>; null when none was used or restored.</summary>
    public PaperAccount? Get(string number) => _byNumber.GetValueOrDefault(number);

    /// <summary>The account, or one not used yet as it would be opened (the inquiries' answer for it, the backtest's rule).</summary>
    public PaperAccount OrNew(string number) => Get(number) ?? new PaperAccount(number, "", "", costs);

    /// <summary>True when an account has <paramref name="htsId"/>.</summary>
    public bool HasHtsId(string htsId) => _byNumber.Values.Any(a => a.HtsId == htsId);

    /// <summary>Gives <paramref name="account"/> (10 digits: one account; 8: every product code of that number) to
    /// <paramref name="owner"/> before any use.</summary>
    public void Bind(string account, string owner, string htsId) => _bound[account] = (owner, htsId);

    /// <summary>
    /// The account <paramref name="number"/> for <paramref name="owner"/>, opened at its first use (<paramref name="opened"/>:
    /// the account made now); null when another app key owns it, or it was given to another up front.
    /// </summary>
    public PaperAccount? Open(string number, string owner, string htsId, out PaperAccount? opened)
    {
        opened = null;
        if (!_byNumber.TryGetValue(number, out var account))
        {
            if ((_bound.TryGetValue(number, out var bound) || (number.Length > 8 && _bound.TryGetValue(number[..8], out bound)))
                && bound.Owner != owner)
                return null;
            _byNumber[number] = account = opened = new PaperAccount(number, bound.Owner is null ? htsId : bound.HtsId, owner, costs);
        }
        return account.OwnedBy(owner) ? account : null;
    }

    /// <summary>A copy of an account's state (orders, positions, cash) for the inquiries; a new account's when none is used.</summary>
    public PaperAccountView View(string number)
    {
        if (Get(number) is not { } account) return new PaperAccountView(PaperAccount.StartingCash, [], [], PaperAccount.StartingCash);
        return new PaperAccountView(account.ShownCash, FreeCash: (long)decimal.Floor(account.FreeCash()), Orders:
            [.. account.Orders.Select(o => o.Snapshot())],
            Positions: [.. account.Positions.Where(p => p.Value.Quantity != 0 || p.Value.Realized != 0).Select(p => (p.Key, p.Value.Quantity, p.Value.Cost,
                p.Value.Reserved, p.Value.BoughtToday, p.Value.SoldToday, p.Value.Derivative, p.Value.Realized))]);
    }

    /// <summary>
    /// Puts the accounts of a snapshot back (none may exist yet): cash, costs, positions and every order as they were.
    /// The orders still open, which the venue rests again, in no order.
    /// </summary>
    public List<PaperOrder> Restore(IEnumerable<VenueAccountState> states)
    {
        if (_byNumber.Count != 0) throw new InvalidOperationException("A venue's state is restored before its first call.");
        var open = new List<PaperOrder>();
        foreach (var state in states)
        {
            var account = new PaperAccount(state.Number, state.HtsId, PaperAccount.RestoredOwner(state.OwnerHash), costs);
            account.Restore(state.Cash, state.CostsCharged);
            foreach (var p in state.Positions)
            {
                var position = account.Position(p.Code);
                (position.Quantity, position.Cost, position.BoughtToday, position.SoldToday, position.Realized, position.Derivative)
                    = (p.Quantity, p.Cost, p.BoughtToday, p.SoldToday, p.Realized, p.Derivative);
            }
            foreach (var o in state.Orders)
            {
                var request = new PaperOrderRequest(
                    state.Number, state.HtsId, o.Code, o.Buy, o.IsMarket ? OrderKind.Market : OrderKind.Limit, o.Quantity, o.Price, o.Derivative);
                var order = new PaperOrder(o.Number, o.Original, account, request, o.PlacedAt)
                {
                    ReservePrice = o.ReservePrice, ExpiresAt = TradingHours.OrderHoursEnd(request.Derivative, o.PlacedAt),
                };
                order.Restore(o.Remaining, o.Filled, o.FilledValue, o.Cancelled, o.Closed, o.Commission, o.Tax);
                account.Orders.Add(order);
                if (order.Remaining > 0 && !order.Closed) open.Add(order);
            }
            _byNumber[state.Number] = account;
        }
        return open;
    }
}
