using System.Text;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Protocol.DocumentedFrames;

namespace Kis.Realtime.Tests.Protocol;

public class FrameTests
{
    private static List<IndexTick> DecodeTicks(string message, out DecodeError error)
    {
        var list = new List<IndexTick>();
        error = default;
        if (!DataFrame.TryParse(Utf8(message), out var frame, out error)) return list;
        using var decoder = new FrameDecoder();
        if (!decoder.TryOpen(frame, out var tr, out var records, out error)) return list;
        while (records.TryNext(out var record))
        {
            if (!IndexTick.TryDecode(tr, record, out var tick, out error)) return list;
            list.Add(tick);
        }
        return list;
    }

    [Fact]
    public void Header_is_split_into_flag_tr_count_and_payload()
    {
        Assert.True(DataFrame.TryParse(Utf8(IndexTickFrame), out var frame, out _));
        Assert.False(frame.Encrypted);
        Assert.Equal("H0UPCNT0", frame.TrId.ToString());
        Assert.Equal(1, frame.RecordCount);
        Assert.Equal(IndexTickRecord, Encoding.UTF8.GetString(frame.Payload));
    }

    [Fact]
    public void A_bar_inside_the_payload_does_not_shift_the_header()
    {
        Assert.True(DataFrame.TryParse(Utf8("0|H0BJCNT0|001|KR103502GD31^a|b^x"), out var frame, out _));
        Assert.Equal("KR103502GD31^a|b^x", Encoding.UTF8.GetString(frame.Payload));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(100)]
    public void Every_record_of_a_multi_record_frame_is_decoded(int count)
    {
        var records = Enumerable.Range(0, count).Select(i => IndexTickRecord.Replace("^439^", $"^{439 + i}^")).ToArray();
        var ticks = DecodeTicks($"0|H0UPCNT0|{count:D3}|{string.Join("^", records)}", out var error);
        Assert.False(error.IsError, error.Describe());
        Assert.Equal(count, ticks.Count);
        Assert.Equal(Enumerable.Range(439, count).Select(i => (long)i), ticks.Select(t => t.TickVolume));
    }

    [Fact]
    public void Records_with_appended_fields_still_decode_and_keep_their_extras()
    {
        var record = IndexTickRecord + "^NEW1^NEW2";
        var message = $"0|H0UPCNT0|002|{record}^{record.Replace("091240", "091241")}";
        var ticks = DecodeTicks(message, out var error);
        Assert.False(error.IsError, error.Describe());
        Assert.Equal([new TimeOnly(9, 12, 40), new TimeOnly(9, 12, 41)], ticks.Select(t => t.Time));

        Assert.True(DataFrame.TryParse(Utf8(message), out var frame, out _));
        Assert.True(RecordSplitter.TryCreate(frame.Payload, frame.RecordCount, 30, out var splitter, out _));
        Assert.Equal(32, splitter.FieldsPerRecord);
        Assert.True(splitter.TryNext(out var first));
        var reader = new TypedFieldReader(first);
        for (var i = 0; i < 30; i++) reader.Raw();
        Assert.Equal("NEW1^NEW2", Encoding.UTF8.GetString(reader.Extras));
    }

    [Fact]
    public void Fewer_fields_than_known_is_an_error_for_the_frame()
    {
        var shortRecord = string.Join("^", IndexTickRecord.Split('^').Take(29));
        DecodeTicks($"0|H0UPCNT0|001|{shortRecord}", out var error);
        Assert.Equal(DecodeErrorKind.TooFewFields, error.Kind);
        Assert.Equal(29, error.Detail);
    }

    [Fact]
    public void A_field_count_not_divisible_by_the_record_count_is_an_error()
    {
        DecodeTicks($"0|H0UPCNT0|002|{IndexTickRecord}^{IndexTickRecord}^extra", out var error);
        Assert.Equal(DecodeErrorKind.FieldCountNotDivisible, error.Kind);
        Assert.Equal(61, error.Detail);
    }

    [Theory]
    [InlineData("", DecodeErrorKind.Empty)]
    [InlineData("x|H0UPCNT0|001|a", DecodeErrorKind.UnknownMessage)]
    [InlineData("0H0UPCNT0|001|a", DecodeErrorKind.BadHeader)]
    [InlineData("0|H0UPCNT|001|a", DecodeErrorKind.BadHeader)]
    [InlineData("0|H0UPCNT00|001|a", DecodeErrorKind.BadHeader)]
    [InlineData("0|H0UPCNT0|001", DecodeErrorKind.BadHeader)]
    [InlineData("0|H0UPCNT0|000|a", DecodeErrorKind.BadRecordCount)]
    [InlineData("0|H0UPCNT0|0x1|a", DecodeErrorKind.BadRecordCount)]
    [InlineData("0|H0UPCNT0||a", DecodeErrorKind.BadRecordCount)]
    [InlineData("0|H0UPCNT0|10000|a", DecodeErrorKind.BadRecordCount)]
    public void Malformed_headers_are_typed_errors(string message, DecodeErrorKind expected)
    {
        Assert.False(DataFrame.TryParse(Utf8(message), out _, out var error));
        Assert.Equal(expected, error.Kind);
        Assert.False(string.IsNullOrWhiteSpace(error.Describe()));
    }

    [Theory]
    [InlineData("0|H0UPCNT0|999999|a", "record count 999999 in the frame header is larger than 9999")]
    [InlineData("0|H0UPCNT0|99999999999999999999|a", "record count in the frame header is larger than 9999")]
    [InlineData("0|H0UPCNT0|000|a", "record count in the frame header is 0 (a frame has at least one record)")]
    [InlineData("0|H0UPCNT0|0x1|a", "record count in the frame header is not a number")]
    [InlineData("0|H0UPCNT0||a", "record count in the frame header is not a number")]
    public void Record_count_errors_say_what_the_count_was(string message, string expected)
    {
        Assert.False(DataFrame.TryParse(Utf8(message), out _, out var error));
        Assert.Equal(expected, error.Describe());
    }

    [Fact]
    public void Leading_zeros_in_the_record_count_are_tolerated()
    {
        Assert.True(DataFrame.TryParse(Utf8("0|H0UPCNT0|00001|a"), out var frame, out _));
        Assert.Equal(1, frame.RecordCount);
    }

    [Fact]
    public void An_unknown_tr_is_an_error_for_that_frame()
    {
        DecodeTicks("0|H0XXCNT0|001|005930^1", out var error);
        Assert.Equal(DecodeErrorKind.UnknownTr, error.Kind);
    }

    [Fact]
    public void Messages_are_classified_by_their_first_byte()
    {
        Assert.Equal(MessageKind.Data, DataFrame.Classify(Utf8(IndexTickFrame)));
        Assert.Equal(MessageKind.Data, DataFrame.Classify(Utf8("1|H0IFCNI0|001|abc")));
        Assert.Equal(MessageKind.Control, DataFrame.Classify(Utf8("{\"header\":{}}")));
        Assert.Equal(MessageKind.Control, DataFrame.Classify(Utf8("  {\"header\":{}}")));
        Assert.Equal(MessageKind.Unknown, DataFrame.Classify(Utf8("hello")));
        Assert.Equal(MessageKind.Unknown, DataFrame.Classify([]));
    }

    [Fact]
    public void Separator_search_finds_the_nth_caret_across_vector_boundaries()
    {
        var text = string.Join("^", Enumerable.Range(0, 200).Select(i => new string('x', i % 7)));
        var bytes = Utf8(text);
        var expected = new List<int>();
        for (var i = 0; i < bytes.Length; i++) if (bytes[i] == '^') expected.Add(i + 1);
        for (var n = 1; n <= expected.Count; n++)
            Assert.Equal(expected[n - 1], RecordSplitter.IndexAfterNthSeparator(bytes, n));
        Assert.Equal(-1, RecordSplitter.IndexAfterNthSeparator(bytes, expected.Count + 1));
    }
}
