using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// Writes <c>^</c>-separated fields straight into a byte buffer: numbers are formatted from integers (prices held in
/// hundredths, yields in thousandths), so a record costs no string and no allocation. Consecutive records are simply
/// more fields, exactly as KIS concatenates them.
/// </summary>
internal ref struct RecordWriter
{
    private readonly Span<byte> _buffer;
    private int _position;
    private bool _first;

    public RecordWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        _first = true;
    }

    public readonly int Written => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly ReadOnlySpan<byte> WrittenSpan => _buffer[.._position];

    /// <summary>Where the writer is now, to <see cref="Rewind"/> to (withdraws a record written after it).</summary>
    public readonly (int Position, bool First) Mark() => (_position, _first);

    /// <summary>Forgets everything written after <paramref name="mark"/>.</summary>
    public void Rewind((int Position, bool First) mark) => (_position, _first) = mark;

    private void Separator()
    {
        if (_first) _first = false;
        else _buffer[_position++] = (byte)'^';
    }

    public void Ascii(ReadOnlySpan<byte> value)
    {
        Separator();
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }

    /// <summary>Text as UTF-8 (Korean names included).</summary>
    public void Text(string value)
    {
        Separator();
        _position += Encoding.UTF8.GetBytes(value, _buffer[_position..]);
    }

    public void Empty() => Separator();

    public void Int(long value)
    {
        Separator();
        Utf8Formatter.TryFormat(value, _buffer[_position..], out var n);
        _position += n;
    }

    /// <summary>A non-negative integer zero-padded to <paramref name="width"/> digits (notices: 0000000002).</summary>
    public void Padded(long value, int width)
    {
        Separator();
        Utf8Formatter.TryFormat(value, _buffer[_position..], out var n, new StandardFormat('D', (byte)width));
        _position += n;
    }

    /// <summary>KIS's zero-padded number (notices), as <c>value.ToString().PadLeft(width, '0')</c>: a negative one too (never
    /// sent: kept so that a bad value reads as the earlier writers wrote it).</summary>
    public void ZeroPadded(long value, int width)
    {
        if (value >= 0) Padded(value, width);
        else Text(value.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0'));
    }

    /// <summary><see cref="ZeroPadded"/>, or an empty field for 0 (a notice's original order number of a new order).</summary>
    public void ZeroPaddedOrEmpty(long value, int width)
    {
        if (value == 0) Empty(); else ZeroPadded(value, width);
    }

    /// <summary>A fixed-point number held as an integer scaled by 10^<paramref name="decimals"/> (e.g. 262454 → 2624.54).</summary>
    public void Fixed(long scaled, int decimals)
    {
        Separator();
        if (scaled < 0)
        {
            _buffer[_position++] = (byte)'-';
            scaled = -scaled;
        }
        var pow = Pow10(decimals);
        Utf8Formatter.TryFormat(scaled / pow, _buffer[_position..], out var n);
        _position += n;
        if (decimals == 0) return;
        _buffer[_position++] = (byte)'.';
        Utf8Formatter.TryFormat(scaled % pow, _buffer[_position..], out n, new StandardFormat('D', (byte)decimals));
        _position += n;
    }

    /// <summary>A time of day HHMMSS from seconds since midnight.</summary>
    public void Time(int secondsOfDay)
    {
        Separator();
        secondsOfDay = ((secondsOfDay % 86400) + 86400) % 86400;
        var hhmmss = secondsOfDay / 3600 * 10000 + secondsOfDay / 60 % 60 * 100 + secondsOfDay % 60;
        Utf8Formatter.TryFormat(hhmmss, _buffer[_position..], out var n, new StandardFormat('D', 6));
        _position += n;
    }

    /// <summary>A date YYYYMMDD.</summary>
    public void Date(DateTime date)
    {
        Separator();
        Utf8Formatter.TryFormat(date.Year * 10000 + date.Month * 100 + date.Day, _buffer[_position..], out var n, new StandardFormat('D', 8));
        _position += n;
    }

    /// <summary>KIS's sign code of a change: 2 rise, 3 unchanged, 5 fall.</summary>
    public void Sign(long change) => Ascii(change > 0 ? "2"u8 : change < 0 ? "5"u8 : "3"u8);

    private static long Pow10(int decimals) => decimals switch { 0 => 1, 1 => 10, 2 => 100, 3 => 1000, 4 => 10000, _ => (long)Math.Pow(10, decimals) };
}
