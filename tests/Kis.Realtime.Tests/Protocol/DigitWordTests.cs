using System.Text;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Protocol;

/// <summary>
/// The eight-bytes-at-a-time steps on their own. The typed reader falls back to its byte loops whenever a word looks
/// wrong, so a broken step would only make it slower there: these tests hold each step to its definition.
/// </summary>
public class DigitWordTests
{
    [Fact]
    public void A_load_holds_exactly_the_fields_bytes_wherever_they_lie()
    {
        var random = new Random(11);
        for (var round = 0; round < 5_000; round++)
        {
            var bytes = new byte[random.Next(8, 40)];
            random.NextBytes(bytes);
            var length = random.Next(1, 9);
            var start = random.Next(0, bytes.Length - length + 1);
            var word = DigitWord.Load(bytes, start, length);
            for (var i = 0; i < 8; i++)
                Assert.Equal(i < length ? bytes[start + i] ^ '0' : 0, (int)(word >> (8 * i)) & 0xFF);
        }
    }

    [Fact]
    public void The_first_marked_byte_is_the_first_that_is_not_a_digit()
    {
        for (var position = 0; position < 8; position++)
        {
            for (var b = 0; b < 256; b++)
            {
                var bytes = Encoding.ASCII.GetBytes("12345678");
                bytes[position] = (byte)b;
                var marks = DigitWord.NonDigits(DigitWord.Load(bytes, 0, 8));
                if (b is >= '0' and <= '9') Assert.Equal(0UL, marks);
                else Assert.Equal(position, DigitWord.FirstMarked(marks));
            }
        }
    }

    [Fact]
    public void Every_length_of_digits_has_its_value()
    {
        var random = new Random(12);
        for (var round = 0; round < 5_000; round++)
        {
            var length = random.Next(1, 9);
            var text = string.Concat(Enumerable.Range(0, length).Select(_ => (char)('0' + random.Next(10))));
            var word = DigitWord.Load(Encoding.ASCII.GetBytes(text.PadRight(8, 'x')), 0, length);
            Assert.Equal(ulong.Parse(text), DigitWord.Value(word, length));
        }
    }

    [Theory]
    [InlineData("12.5", 2, "125")]
    [InlineData(".5", 0, "5")]
    [InlineData("123456.7", 6, "1234567")]
    public void A_removed_byte_closes_up(string text, int index, string expected)
    {
        var word = DigitWord.Load(Encoding.ASCII.GetBytes(text.PadRight(8, 'x')), 0, Math.Min(text.Length, 8));
        var joined = DigitWord.RemoveByte(word, index);
        Assert.Equal(ulong.Parse(expected), DigitWord.Value(joined, expected.Length));
    }

    [Fact]
    public void Separators_are_found_in_all_64_bytes()
    {
        var random = new Random(13);
        for (var round = 0; round < 1_000; round++)
        {
            var bytes = new byte[64];
            for (var i = 0; i < 64; i++) bytes[i] = random.Next(4) == 0 ? (byte)'^' : (byte)random.Next(256);
            ulong expected = 0;
            for (var i = 0; i < 64; i++) if (bytes[i] == '^') expected |= 1UL << i;
            Assert.Equal(expected, DigitWord.Separators64(ref bytes[0]));
        }
    }
}
