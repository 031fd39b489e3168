using System.Text.Json.Serialization;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// The venue's state as the state file keeps it (<see cref="VenueStateFile"/>), so a restart continues the day: every
/// account with its cash, positions and orders (open ones rest again), the order-number sequence and the market clock.
/// <see cref="Version"/> names the shape; a file of another version is refused, never guessed at. App keys are not kept:
/// an account records the SHA-256 of its owner's app key, and the first caller whose key has that hash owns it again.
/// <see cref="Journal"/>: the first generation of the order journal (<see cref="VenueJournal"/>) that came after it.
/// </summary>
internal sealed record VenueSnapshot(int Version, DateTime MarketTime, DateTime Day, long LastOrderNumber, VenueAccountState[] Accounts,
    long Journal = 0)
{
    /// <summary>The shape this build writes (2: exact decimal cash and costs, the venue core's ledger; the holds of open
    /// orders are not kept, they come back as the orders rest again; 3: the journal's generation).</summary>
    public const int CurrentVersion = 3;

    /// <summary>True for the versions this build reads (2 has no journal: the same state with nothing after it).</summary>
    public static bool Reads(int version) => version is 2 or CurrentVersion;
}

/// <summary>One account: <paramref name="OwnerHash"/> is the SHA-256 (hex) of the app key that owns it.</summary>
internal sealed record VenueAccountState(string Number, string HtsId, string OwnerHash, decimal Cash, decimal CostsCharged,
    VenueOrderState[] Orders, VenuePositionState[] Positions);

/// <summary>One order of an account, open or done (the inquiries list both).</summary>
internal sealed record VenueOrderState(long Number, long Original, string Code, bool Buy, bool IsMarket, long Quantity, long Price, bool Derivative,
    DateTime PlacedAt, long ReservePrice, long Remaining, long Filled, long FilledValue, long Cancelled, bool Closed, decimal Commission, decimal Tax);

/// <summary>One position of an account.</summary>
internal sealed record VenuePositionState(string Code, long Quantity, decimal Cost, long BoughtToday, long SoldToday, bool Derivative,
    long Realized);

/// <summary>The state file's JSON, source-generated (Native AOT).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(VenueSnapshot))]
internal sealed partial class VenueSnapshotJson : JsonSerializerContext;
