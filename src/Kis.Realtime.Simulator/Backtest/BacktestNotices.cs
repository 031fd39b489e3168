using System.Globalization;
using System.Text;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Core;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// A backtest's notices: the venue core's events written by the one notice writer (<see cref="OrderNotices"/>, the
/// layout the simulator's paper venue sends), so a strategy's <see cref="KisOrderBook"/> reads a backtest's notices
/// exactly as it reads KIS's. The backtest's account holder (field 17) is "backtest" and an instrument's name its code
/// (a backtest has no instrument master).
/// </summary>
internal static class BacktestNotices
{
    /// <summary>The account holder's name a backtest's notices carry.</summary>
    public const string Customer = "backtest";

    /// <summary>One notice record (plain, as decrypted) of <paramref name="e"/> for <paramref name="htsId"/>'s
    /// <paramref name="account"/> (10 digits), added to <paramref name="into"/>.</summary>
    public static void Write(BacktestNoticeBatch into, in OrderEvent e, string htsId, string account)
    {
        var w = new RecordWriter(into.Reserve(256 + Encoding.UTF8.GetMaxByteCount(htsId.Length + account.Length + 2 * e.Code.Length)));
        OrderNotices.Write(ref w, e, htsId, account, Customer, e.Code);
        into.Commit(w.Written);
    }

    /// <summary>KIS's zero-padded numbers (order numbers, quantities, prices).</summary>
    public static string Pad(long value, int width)
    {
        // As value.ToString(invariant).PadLeft(width, '0'), in one string instead of two (an order's numbers in its
        // answer, fills and orders list: tens of thousands a day of orders).
        Span<char> text = stackalloc char[Math.Max(width, 20)]; // a long is at most 20 characters
        value.TryFormat(text, out var n, default, CultureInfo.InvariantCulture);
        if (n >= width) return new string(text[..n]);
        text[..n].CopyTo(text[(width - n)..]);
        text[..(width - n)].Fill('0');
        return new string(text[..width]);
    }
}
