using System.Globalization;
using System.Text;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>What a backtest notice reports (KIS's stock notice kinds).</summary>
internal enum BacktestNoticeKind { Accepted, Filled, Amended, Cancelled }

/// <summary>
/// H0STCNI0's 26 fields for a backtest's orders, in the layout the simulator's venue sends (docs/kis-protocol.md §7;
/// <c>Market/NoticeStream.WriteOrderEvent</c>): so a strategy's <see cref="KisOrderBook"/> reads a backtest's notices
/// exactly as it reads KIS's. Written here rather than through the simulator's notice stream, which is built over its
/// simulated market (instrument master, clock) that a backtest does not have.
/// </summary>
internal static class BacktestNotices
{
    /// <summary>One notice record (plain, as decrypted). Quantities and prices as KIS's fields 9, 10 and 16 carry them per kind.</summary>
    public static byte[] Write(string htsId, KisAccount account, BacktestNoticeKind kind, long number, long original, string code, bool buy,
        bool market, long quantity, long price, long field16, long orderPrice, DateTimeOffset at)
    {
        var filled = kind == BacktestNoticeKind.Filled;
        var revision = kind switch { BacktestNoticeKind.Amended => '1', BacktestNoticeKind.Cancelled => '2', _ => '0' };
        var step = filled ? '2' : '1'; // notice type and acceptance: a fill, or an order step
        var kst = at.ToOffset(KisRecordingSource.KstOffset);
        string[] fields =
        [
            htsId,
            account.Number + account.ProductCode,
            Pad(number, 10),
            original == 0 ? "" : Pad(original, 10),
            buy ? "02" : "01",
            revision.ToString(),
            market ? "01" : "00",
            "0",
            code,
            Pad(quantity, 10),
            Pad(price, 9),
            kst.ToString("HHmmss", CultureInfo.InvariantCulture),
            "0",
            step.ToString(),
            step.ToString(),
            "00950",
            Pad(field16, 10),
            "backtest",
            "0",
            "1",
            filled ? "Y" : "N",
            "",
            "10",
            "00000000",
            code,
            Pad(orderPrice, 9),
        ];
        return Encoding.UTF8.GetBytes(string.Join('^', fields));
    }

    /// <summary>Fields of <see cref="WriteDerivative"/>'s layout (H0STCNI0's has 26): how the client tells the two apart.</summary>
    public const int DerivativeFields = 22;

    /// <summary>
    /// H0IFCNI0's 22 fields for a futures/options order, in the simulator's layout (<c>Market/NoticeStream.WriteOrderEvent</c>):
    /// prices in hundredths of a point (9 digits, 2 implied decimals), the futures/options account (product code 03).
    /// </summary>
    public static byte[] WriteDerivative(string htsId, KisAccount account, BacktestNoticeKind kind, long number, long original, string code, bool buy,
        long quantity, long price, long field16, long orderPrice, DateTimeOffset at)
    {
        var filled = kind == BacktestNoticeKind.Filled;
        var revision = kind switch { BacktestNoticeKind.Amended => '1', BacktestNoticeKind.Cancelled => '2', _ => '0' };
        var step = filled ? '2' : '1';
        string[] fields =
        [
            htsId,
            account.Number + "03",
            Pad(number, 10),
            original == 0 ? "" : Pad(original, 10),
            buy ? "02" : "01",
            revision.ToString(),
            filled ? "0" : "L",
            code,
            Pad(quantity, 10),
            Pad(price, 9),
            at.ToOffset(KisRecordingSource.KstOffset).ToString("HHmmss", CultureInfo.InvariantCulture),
            "0",
            step.ToString(),
            step.ToString(),
            "00950",
            Pad(field16, 9),
            "backtest",
            code,
            "",
            "",
            "",
            Pad(orderPrice, 9),
        ];
        return Encoding.UTF8.GetBytes(string.Join('^', fields));
    }

    /// <summary>KIS's zero-padded numbers (order numbers, quantities, prices).</summary>
    public static string Pad(long value, int width) => value.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
}
