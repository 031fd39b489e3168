using System.Globalization;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Protocol.DocumentedFrames;

namespace Kis.Realtime.Tests.Protocol;

public class FieldParserTests
{
    [Theory]
    [InlineData("2624.54", 0, "2624.54")]
    [InlineData("-32.68", 0, "-32.68")]
    [InlineData("+1.26", 0, "1.26")]
    [InlineData("10575.00", 0, "10575.00")]
    [InlineData("0000000002", 0, "2")]
    [InlineData("007840000", 2, "78400.00")]
    [InlineData("000000000", 2, "0.00")]
    [InlineData("-0.00", 0, "0.00")]
    [InlineData(".5", 0, "0.5")]
    [InlineData("123456789012345678901234", 0, "123456789012345678901234")]
    [InlineData("-17227936700", 0, "-17227936700")]
    public void Decimals_parse_exactly_with_scale_kept(string text, int implied, string expected)
    {
        Assert.True(FieldParsers.TryParseDecimal(Utf8(text), implied, out var value));
        Assert.Equal(expected, value.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("+")]
    [InlineData(".")]
    [InlineData("12.")]
    [InlineData("1.2.3")]
    [InlineData("1e5")]
    [InlineData("12a")]
    [InlineData(" 12")]
    [InlineData("--1")]
    public void Non_numbers_are_rejected(string text)
    {
        Assert.False(FieldParsers.TryParseDecimal(Utf8(text), 0, out _));
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("-224036", -224036L)]
    [InlineData("109159646900", 109159646900L)]
    [InlineData("0000000002", 2L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Integers_parse_to_64_bits(string text, long expected)
    {
        Assert.True(FieldParsers.TryParseInt64(Utf8(text), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("9223372036854775808")]
    [InlineData("1.5")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("x")]
    public void Bad_integers_are_rejected(string text) => Assert.False(FieldParsers.TryParseInt64(Utf8(text), out _));

    [Theory]
    [InlineData("091240", 9, 12, 40)]
    [InlineData("000000", 0, 0, 0)]
    [InlineData("235959", 23, 59, 59)]
    public void Times_parse(string text, int h, int m, int s)
    {
        Assert.True(FieldParsers.TryParseTime(Utf8(text), out var t));
        Assert.Equal(new TimeOnly(h, m, s), t);
    }

    [Theory]
    [InlineData("240000")]
    [InlineData("096000")]
    [InlineData("091260")]
    [InlineData("09124")]
    [InlineData("0912400")]
    [InlineData("09:12:")]
    public void Bad_times_are_rejected(string text) => Assert.False(FieldParsers.TryParseTime(Utf8(text), out _));

    [Fact]
    public void Text_falls_back_to_cp949_when_not_utf8()
    {
        var name = "국고03250-5303(23-2)";
        var cp949 = KisText.Korean.GetBytes(name);
        Assert.False(System.Text.Unicode.Utf8.IsValid(cp949));
        Assert.Equal(name, KisText.Decode(cp949));
        Assert.Equal(name, KisText.Decode(Utf8(name)));
        Assert.Equal("", KisText.Decode([]));
        // The cache must never confuse two values.
        for (var i = 0; i < 5000; i++) Assert.Equal(i.ToString("D6"), KisText.Decode(Utf8(i.ToString("D6"))));
        Assert.Same(KisText.Decode(cp949), KisText.Decode(cp949));
        Assert.Same(KisText.Decode(Utf8(name)), KisText.Decode(Utf8(name)));
        Assert.Same(KisText.Decode(Utf8("0000012345")), KisText.Decode(Utf8("0000012345")));
    }

    [Fact]
    public void A_value_seen_once_costs_its_string_alone()
    {
        // Order numbers are text that repeats little: a cache miss must not also keep a copy of the bytes (an array an
        // order kept until its slot is taken, which every collection in between moves).
        var numbers = Enumerable.Range(0,
            100).Select(i => Utf8((7_000_000_000L + i * 7919).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        KisText.Decode(Utf8("warm-up")); // the thread's cache itself
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var number in numbers) KisText.Decode(number);
        var perValue = (GC.GetAllocatedBytesForCurrentThread() - before) / numbers.Length;
        Assert.InRange(perValue, 1, 48); // a 10-character string is 42 bytes (48 with its padding); its bytes' array would add 40
    }
}

public class CanonicalNumberTests
{
    [Theory]
    [InlineData("0", true)]
    [InlineData("2624.54", true)]
    [InlineData("-32.68", true)]
    [InlineData("0.92", true)]
    [InlineData("10575.00", true)]
    [InlineData("-17227936700", true)]
    [InlineData("0000000002", false)]
    [InlineData("+1.26", false)]
    [InlineData("-0.00", false)]
    [InlineData("-0", false)]
    [InlineData("12.", false)]
    [InlineData(".5", false)]
    [InlineData("", false)]
    [InlineData("-", false)]
    [InlineData("1e5", false)]
    [InlineData("00.5", false)]
    public void Only_text_that_is_already_json_is_copied(string text, bool canonical)
    {
        Assert.Equal(canonical, Kis.Realtime.Formatting.RecordJson.IsCanonicalJsonNumber(DocumentedFrames.Utf8(text)));
        if (canonical)
        {
            // Copying must give exactly what formatting the parsed value gives.
            Assert.True(FieldParsers.TryParseDecimal(DocumentedFrames.Utf8(text), 0, out var value));
            Assert.Equal(text, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

public class RawMessageLineTests
{
    [Theory]
    [InlineData("0|H0UPCNT0|001|0001^091240")]
    [InlineData("{\"header\":\n{\"tr_id\":\"PINGPONG\"}}\r")]
    [InlineData("back\\slash \\n literal, real\nnewline, \r\n and \\\\ double")]
    [InlineData("")]
    public void Recorded_lines_give_back_every_byte(string text)
    {
        var message = Kis.Realtime.Protocol.KisText.Korean.GetBytes(text + "국고"); // non-UTF-8 bytes too
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var at = new DateTimeOffset(2026, 11, 21, 0, 12, 40, TimeSpan.Zero).AddTicks(1234567);
        Kis.Realtime.Formatting.RawMessageLine.Write(buffer, at, message);
        var line = buffer.WrittenSpan.ToArray();
        Assert.Equal(1, line.Count(b => b == (byte)'\n'));
        Assert.Equal((byte)'\n', line[^1]);

        var parsed = Kis.Realtime.Formatting.RawMessageLine.Parse(line.AsSpan(0, line.Length - 1), new System.Buffers.ArrayBufferWriter<byte>(),
            out var receivedAt);
        Assert.Equal(message, parsed.ToArray());
        Assert.Equal(at, receivedAt);
    }

    [Theory]
    [InlineData("2026-11-23T00:00:00.0000000Z")]
    [InlineData("2026-11-23T23:59:59.9999999Z")]
    [InlineData("2024-02-29T12:34:56.0000001Z")] // a leap day
    [InlineData("2000-01-01T00:00:00.0000000Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    [InlineData("2026-11-23T09:00:00.1234567+09:00")] // another offset: the general parser
    public void Receive_times_read_as_the_ISO_parser_reads_them(string text)
    {
        Assert.True(System.Buffers.Text.Utf8Parser.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out DateTimeOffset expected, out _, 'O'));
        var line = System.Text.Encoding.ASCII.GetBytes(text + "\t0|H0UPCNT0|001|x");
        var parsed = Kis.Realtime.Formatting.RawMessageLine.Parse(line, new System.Buffers.ArrayBufferWriter<byte>(), out var at);
        Assert.Equal(expected, at);
        Assert.Equal(expected.Offset, at!.Value.Offset);
        Assert.Equal("0|H0UPCNT0|001|x"u8.ToArray(), parsed.ToArray());
    }

    [Theory]
    [InlineData("2026-02-29T00:00:00.0000000Z")] // not a leap year
    [InlineData("2026-13-01T00:00:00.0000000Z")]
    [InlineData("2026-11-23T24:00:00.0000000Z")]
    [InlineData("2026-11-23T00:00:0x.0000000Z")]
    public void A_line_whose_receive_time_is_not_a_time_is_a_bare_message(string text)
    {
        var line = System.Text.Encoding.ASCII.GetBytes(text + "\t0|H0UPCNT0|001|x");
        var parsed = Kis.Realtime.Formatting.RawMessageLine.Parse(line, new System.Buffers.ArrayBufferWriter<byte>(), out var at);
        Assert.Null(at);
        Assert.Equal(line, parsed.ToArray());
    }

    [Fact]
    public void A_reader_of_many_lines_keeps_the_minute_and_reads_each_time_as_the_ISO_parser()
    {
        // One minute kept across lines (the backtest's reader): a change of second, minute, hour, day, and bad seconds
        // after a good line of the same minute, each read as a line read alone.
        string[] times =
        [
            "2026-11-23T00:00:00.0000000Z", "2026-11-23T00:00:00.0000001Z", "2026-11-23T00:00:59.9999999Z", "2026-11-23T00:00:60.0000000Z",
            "2026-11-23T00:00:0x.0000000Z", "2026-11-23T00:00:01.00000x0Z", "2026-11-23T00:01:00.0000000Z", "2026-11-23T01:01:00.5000000Z",
            "2026-11-24T01:01:00.5000000Z", "2026-11-24T01:01:00.5000000+09:00", "2026-11-24T01:01:07.0000000Z",
        ];
        var minute = default(Kis.Realtime.Formatting.RecordedMinute);
        var scratch = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var text in times)
        {
            var line = System.Text.Encoding.ASCII.GetBytes(text + "\t0|H0UPCNT0|001|x");
            Kis.Realtime.Formatting.RawMessageLine.Parse(line, scratch, ref minute, out var kept);
            Kis.Realtime.Formatting.RawMessageLine.Parse(line, scratch, out var alone);
            Assert.Equal(alone, kept);
            Assert.Equal(alone?.Offset, kept?.Offset);
        }
        Assert.NotEqual(0, minute.Ticks);
    }

    [Fact]
    public void Bare_messages_are_taken_as_they_are()
    {
        var bare = DocumentedFrames.Utf8("0|H0UPCNT0|001|a\\nb");
        var parsed = Kis.Realtime.Formatting.RawMessageLine.Parse(bare, new System.Buffers.ArrayBufferWriter<byte>(), out var at);
        Assert.Null(at);
        Assert.Equal(bare, parsed.ToArray());
    }
}
