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
    /// <summary>One notice record (plain, as decrypted), added to <paramref name="into"/>. Quantities and prices as KIS's
    /// fields 9, 10 and 16 carry them per kind.</summary>
    public static void Write(BacktestNoticeBatch into, string htsId, KisAccount account, BacktestNoticeKind kind, long number, long original, string code,
        bool buy, bool market, long quantity, long price, long field16, long orderPrice, DateTimeOffset at)
    {
        var filled = kind == BacktestNoticeKind.Filled;
        var revision = kind switch { BacktestNoticeKind.Amended => (byte)'1', BacktestNoticeKind.Cancelled => (byte)'2', _ => (byte)'0' };
        var step = filled ? (byte)'2' : (byte)'1'; // notice type and acceptance: a fill, or an order step
        var w = new FieldWriter(into.Reserve(Bound(htsId, account.Number, account.ProductCode, code, code)));
        w.Text(htsId);
        w.Text(account.Number, account.ProductCode);
        w.Pad(number, 10);
        if (original == 0) w.Text(""); else w.Pad(original, 10);
        w.Ascii(buy ? "02"u8 : "01"u8);
        w.Byte(revision);
        w.Ascii(market ? "01"u8 : "00"u8);
        w.Ascii("0"u8);
        w.Text(code);
        w.Pad(quantity, 10);
        w.Pad(price, 9);
        w.Time(at);
        w.Ascii("0"u8);
        w.Byte(step);
        w.Byte(step);
        w.Ascii("00950"u8);
        w.Pad(field16, 10);
        w.Ascii("backtest"u8);
        w.Ascii("0"u8);
        w.Ascii("1"u8);
        w.Ascii(filled ? "Y"u8 : "N"u8);
        w.Text("");
        w.Ascii("10"u8);
        w.Ascii("00000000"u8);
        w.Text(code);
        w.Pad(orderPrice, 9);
        into.Commit(w.Length);
    }

    /// <summary>Fields of <see cref="WriteDerivative"/>'s layout (H0STCNI0's has 26): how the client tells the two apart.</summary>
    public const int DerivativeFields = 22;

    /// <summary>
    /// H0IFCNI0's 22 fields for a futures/options order, in the simulator's layout (<c>Market/NoticeStream.WriteOrderEvent</c>):
    /// prices in hundredths of a point (9 digits, 2 implied decimals), the futures/options account (product code 03).
    /// </summary>
    public static void WriteDerivative(BacktestNoticeBatch into, string htsId, KisAccount account, BacktestNoticeKind kind, long number, long original,
        string code, bool buy, long quantity, long price, long field16, long orderPrice, DateTimeOffset at)
    {
        var filled = kind == BacktestNoticeKind.Filled;
        var revision = kind switch { BacktestNoticeKind.Amended => (byte)'1', BacktestNoticeKind.Cancelled => (byte)'2', _ => (byte)'0' };
        var step = filled ? (byte)'2' : (byte)'1';
        var w = new FieldWriter(into.Reserve(Bound(htsId, account.Number, "03", code, code)));
        w.Text(htsId);
        w.Text(account.Number, "03");
        w.Pad(number, 10);
        if (original == 0) w.Text(""); else w.Pad(original, 10);
        w.Ascii(buy ? "02"u8 : "01"u8);
        w.Byte(revision);
        w.Ascii(filled ? "0"u8 : "L"u8);
        w.Text(code);
        w.Pad(quantity, 10);
        w.Pad(price, 9);
        w.Time(at);
        w.Ascii("0"u8);
        w.Byte(step);
        w.Byte(step);
        w.Ascii("00950"u8);
        w.Pad(field16, 9);
        w.Ascii("backtest"u8);
        w.Text(code);
        w.Text("");
        w.Text("");
        w.Text("");
        w.Pad(orderPrice, 9);
        into.Commit(w.Length);
    }

    /// <summary>At most how many bytes a notice takes with these texts: the fixed fields (numbers of up to 20 digits) and
    /// the texts' UTF-8.</summary>
    private static int Bound(string a, string b, string c, string d, string e) =>
        256 + Encoding.UTF8.GetMaxByteCount(a.Length + b.Length + c.Length + d.Length + e.Length);

    /// <summary>
    /// Writes a notice's <c>^</c>-separated fields straight into bytes: the record as <c>string.Join('^', fields)</c> in
    /// UTF-8 made it, without a string a field and the join (a dozen strings a notice, two notices a filled order).
    /// </summary>
    private ref struct FieldWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _length;
        private bool _started;

        private Span<byte> Next()
        {
            if (_started) _buffer[_length++] = (byte)'^';
            _started = true;
            return _buffer[_length..];
        }

        // Next() moves _length past the separator: it runs before _length is read again (not `_length += …(Next())`).
        public void Text(string text)
        {
            var written = Encoding.UTF8.GetBytes(text, Next());
            _length += written;
        }

        public void Text(string first, string second)
        {
            Text(first);
            var written = Encoding.UTF8.GetBytes(second, _buffer[_length..]);
            _length += written;
        }

        public void Ascii(ReadOnlySpan<byte> text)
        {
            text.CopyTo(Next());
            _length += text.Length;
        }

        public void Byte(byte value)
        {
            Next()[0] = value;
            _length++;
        }

        /// <summary>As <see cref="Pad"/>: the invariant digits, zeros on the left up to <paramref name="width"/>.</summary>
        public void Pad(long value, int width)
        {
            Span<byte> digits = stackalloc byte[20];
            value.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
            var into = Next();
            var zeros = Math.Max(0, width - n);
            into[..zeros].Fill((byte)'0');
            digits[..n].CopyTo(into[zeros..]);
            _length += zeros + n;
        }

        /// <summary>The KST time, HHmmss.</summary>
        public void Time(DateTimeOffset at)
        {
            var kst = at.ToOffset(KoreaTime.Offset);
            var into = Next();
            Two(into, kst.Hour);
            Two(into[2..], kst.Minute);
            Two(into[4..], kst.Second);
            _length += 6;
        }

        private static void Two(Span<byte> into, int value)
        {
            into[0] = (byte)('0' + value / 10);
            into[1] = (byte)('0' + value % 10);
        }

        public readonly int Length => _length;
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
