using System.Runtime.CompilerServices;

namespace Kis.Realtime;

/// <summary>One price level of an order book.</summary>
/// <param name="Price">The quote (호가): askpN / bidpN, pbidN / paskN …</param>
/// <param name="Quantity">The quantity resting at it (호가 잔량): askp_rsqnN / bidp_rsqnN, vbidN / vaskN …</param>
/// <param name="Orders">The number of orders at it (호가 건수: askp_csnuN / bidp_csnuN) where the TR carries it, else 0.</param>
public readonly record struct OrderBookLevel(decimal Price, long Quantity, long Orders = 0);

/// <summary>
/// Up to ten levels of one side of an order book, best first, stored inline (no array, no allocation). Index it like
/// an array (<c>book.Asks[0]</c> is the best ask) or, copied into a local, as a span (<c>ReadOnlySpan&lt;OrderBookLevel&gt;
/// asks = local</c>); levels beyond the book's <c>Depth</c> are default.
/// </summary>
[InlineArray(MaxDepth)]
public struct OrderBookLevels : IEquatable<OrderBookLevels>
{
    /// <summary>The most levels any KIS book carries.</summary>
    public const int MaxDepth = 10;

    private OrderBookLevel _level0;

    // Written out: the default struct equality would see only the first element of an inline array.
    /// <inheritdoc/>
    public readonly bool Equals(OrderBookLevels other)
    {
        for (var i = 0; i < MaxDepth; i++)
            if (this[i] != other[i]) return false;
        return true;
    }

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is OrderBookLevels other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        for (var i = 0; i < MaxDepth; i++) hash.Add(this[i]);
        return hash.ToHashCode();
    }

    /// <summary>Equal levels.</summary>
    public static bool operator ==(OrderBookLevels left, OrderBookLevels right) => left.Equals(right);

    /// <summary>Different levels.</summary>
    public static bool operator !=(OrderBookLevels left, OrderBookLevels right) => !left.Equals(right);
}
