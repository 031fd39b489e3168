namespace Kis.Realtime.Simulator.Trading.Core;

/// <summary>What happened to an order: the venue core's events (<c>Trading/Core/VenueCore</c>), each one notice.</summary>
internal enum OrderEventKind { Accepted, Filled, Amended, Cancelled, Rejected, Expired }

/// <summary>
/// One event of an order's life in the terms of KIS's notice layouts (docs/kis-protocol.md §7): fields 9 and 10
/// (<paramref name="Quantity"/>, <paramref name="Price"/>) carry what the event concerns, field 16 is chosen by
/// <c>Market/OrderNotices</c> from <paramref name="OrderQuantity"/> (a fill) or <paramref name="FilledSoFar"/> (an
/// amendment, cancel or expiry). Futures/options prices in hundredths of a point; <paramref name="At"/> is KST;
/// <paramref name="Liquidity"/> says what a fill took (the notice does not carry it; the backtest's fill rows do).
/// </summary>
internal readonly record struct OrderEvent(OrderEventKind Kind, long Number, long Original, string Code, bool Buy, bool IsMarket, bool Derivative,
    long Quantity, long Price, long OrderQuantity, long FilledSoFar, long OrderPrice, DateTime At, FillLiquidity Liquidity = FillLiquidity.None);

/// <summary>What a fill took (the venue core knows it): an arriving order's walk of the book (taker), a resting order
/// reached by the market (maker), or an auction's print; <see cref="None"/> for an event that is no fill.</summary>
internal enum FillLiquidity { None, Taker, Maker, Auction }
