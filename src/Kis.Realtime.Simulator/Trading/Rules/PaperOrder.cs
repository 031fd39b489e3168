using System.Globalization;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Ledger;

// The venue's state (accounts, orders, positions) and answers, which the product rules act on: here, below the venue
// (Trading), so that the rules never name the venue.
namespace Kis.Realtime.Simulator.Trading.Rules;

/// <summary>
/// An order as KIS's order REST calls give it: a stock cash order (order-cash: ORD_DVSN 00 limit, 01 market; prices in
/// KRW) or, with <paramref name="Derivative"/>, a futures/options order (domestic-futureoption order: prices in
/// hundredths of a point, quantities in contracts).
/// </summary>
internal sealed record PaperOrderRequest(string Account, string HtsId, string Code, bool Buy, OrderKind Kind, long Quantity, long Price,
    bool Derivative = false,
    string? AppKey = null)
{
    public bool IsMarket => Kind == OrderKind.Market;

    /// <summary>The rules of the order's product.</summary>
    public ProductRules Rules => ProductRules.For(Derivative);

    /// <summary>Who owns the account: the app key (the HTS ID when a caller in process gives none).</summary>
    public string Owner => AppKey ?? HtsId;

    /// <summary>The app key masked: a record's ToString ends up in test output and logs.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        var invariant = CultureInfo.InvariantCulture; // the same text on every machine
        builder.Append(invariant, $"Account = {Account}, HtsId = {HtsId}, Code = {Code}, Buy = {Buy}, Kind = {Kind}, Quantity = {Quantity}, Price = {Price}, ");
        builder.Append(invariant, $"Derivative = {Derivative}, AppKey = {(AppKey is null ? "" : KisCredential.Mask(AppKey))}");
        return true;
    }
}

/// <summary>One order of an account as KIS's REST calls gave it: the venue core's order (<see cref="VenueOrder"/>: its
/// terms, what is left and filled, its costs) with the account, the request and when it was placed.</summary>
internal sealed class PaperOrder(long number, long original, PaperAccount account, PaperOrderRequest request, DateTime placedAt)
    : VenueOrder(number, original, request.Code, request.Buy, request.Kind, request.Price, request.Quantity, request.Derivative, account)
{
    public PaperAccount Account { get; } = account;
    public PaperOrderRequest Request { get; } = request;
    public DateTime PlacedAt { get; } = placedAt;
    public ProductRules Rules { get; } = request.Rules;

    public PaperOrderSnapshot Snapshot()
        => new(Number, Original, Code, Buy, IsMarket, Quantity, LimitPrice, PlacedAt, Filled, FilledValue, Remaining, Cancelled, Derivative, Commission, Tax);
}

/// <summary>An order as the inquiries show it.</summary>
internal readonly record struct PaperOrderSnapshot(long Number, long Original, string Code, bool Buy, bool IsMarket, long Quantity, long Price,
    DateTime PlacedAt, long Filled, long FilledValue, long Remaining, long Cancelled, bool Derivative, decimal Commission = 0, decimal Tax = 0);

/// <summary>An account of the paper venue: its ledger (cash, positions, holds: the venue core's <see cref="LedgerAccount"/>),
/// who owns it and its orders (the venue's lock guards all of it), charged by <paramref name="costs"/>.</summary>
internal sealed class PaperAccount(string number, string htsId, string owner, TradingCosts? costs = null)
    : LedgerAccount(StartingCash, costs ?? TradingCosts.Default)
{
    /// <summary>Cash every new account starts with (KRW).</summary>
    public const long StartingCash = 100_000_000;

    public string Number { get; } = number;
    public string HtsId { get; } = htsId;

    /// <summary>The app key the account belongs to (its first caller's); after a restart, until that key calls again,
    /// <see cref="RestoredOwner"/> of its hash.</summary>
    public string Owner { get; private set; } = owner;

    /// <summary>True when <paramref name="caller"/> owns the account; an account restored from the state file is owned
    /// again by the first caller whose app key has the hash it kept (the venue's state file).</summary>
    public bool OwnedBy(string caller)
    {
        if (Owner == caller) return true;
        if (!Owner.StartsWith(RestoredPrefix, StringComparison.Ordinal) || HashOwner(caller) != Owner[RestoredPrefix.Length..]) return false;
        Owner = caller;
        return true;
    }

    /// <summary>The SHA-256 (hex) of an owner's app key: the state file keeps this, never the key. A restored owner
    /// not yet claimed again keeps its hash.</summary>
    public static string HashOwner(string owner) => owner.StartsWith(RestoredPrefix, StringComparison.Ordinal) ? owner[RestoredPrefix.Length..]
        : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(owner)));

    /// <summary>The owner of a restored account until its app key calls (no app key can equal it: keys have no NUL).</summary>
    public static string RestoredOwner(string ownerHash) => RestoredPrefix + ownerHash;

    private const string RestoredPrefix = "\0sha256:";

    public List<PaperOrder> Orders { get; } = [];

    /// <summary>Cash as KIS's whole-won fields show it (dnca_tot_amt): the exact cash rounded down (each fill's costs
    /// rounded up as charged), less what open buys hold.</summary>
    public long ShownCash => (long)decimal.Floor(Cash) - ReservedCash;
}

/// <summary>An account's state copied out for an inquiry (<paramref name="FreeCash"/>: the cash less what open orders and
/// positions hold, <see cref="LedgerAccount.FreeCash"/>, rounded down).</summary>
internal sealed record PaperAccountView(long Cash, PaperOrderSnapshot[] Orders,
    (string Code, long Quantity, decimal Cost, long Reserved, long BoughtToday, long SoldToday, bool Derivative, long Realized)[] Positions, long FreeCash);

/// <summary>One event of an order's life (the venue core's <see cref="OrderEvent"/>) for the account's HTS ID: its notice.</summary>
internal sealed record PaperNotice(string HtsId, string Account, OrderEvent Event);

/// <summary>The REST answer: the order (number and time), or a refusal in KIS's msg_cd/msg1 shape.</summary>
internal sealed record PaperResult(bool Accepted, PaperOrder? Order, string MessageCode, string Message)
{
    public static PaperResult Ok(PaperOrder order) => new(true, order, "APBK0013", "주문 전송 완료 되었습니다.");

    public static PaperResult Refuse(string code, string message) => new(false, null, code, message);
}
