using System.Text;
using System.Text.Json;
using Kis.Realtime.Protocol;
using Kis.Realtime.Cli.Commands;
using static Kis.Realtime.Tests.Protocol.DocumentedFrames;

namespace Kis.Realtime.Tests.Cli;

public class DecodeCommandTests
{
    private static (int Exit, List<JsonElement> Records, string Errors) Run(params byte[][] lines)
    {
        var input = new MemoryStream();
        foreach (var line in lines)
        {
            input.Write(line);
            input.WriteByte((byte)'\n');
        }
        input.Position = 0;
        var output = new MemoryStream();
        var errors = new StringWriter();
        var exit = DecodeCommand.Run(input, output, errors);
        var records = Encoding.UTF8.GetString(output.ToArray())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
        return (exit, records, errors.ToString());
    }

    [Fact]
    public void Documented_index_frame_becomes_typed_json()
    {
        var (exit, records, errors) = Run(Utf8(IndexTickFrame));
        Assert.Equal(0, exit);
        Assert.Equal("", errors);
        var r = Assert.Single(records);
        Assert.Equal("H0UPCNT0", r.GetProperty("tr_id").GetString());
        var f = r.GetProperty("fields");
        Assert.Equal("0001", f.GetProperty("bstp_cls_code").GetString());
        Assert.Equal("091240", f.GetProperty("bsop_hour").GetString());
        Assert.Equal(JsonValueKind.Number, f.GetProperty("prpr_nmix").ValueKind);
        Assert.Equal("2624.54", f.GetProperty("prpr_nmix").GetRawText());
        Assert.Equal("2610.00", f.GetProperty("nmix_lwpr").GetRawText());
        Assert.Equal("2", f.GetProperty("prdy_vrss_sign").GetString());
        Assert.Equal(30, f.EnumerateObject().Count());
        Assert.False(r.TryGetProperty("extra", out _));
    }

    [Fact]
    public void Encrypted_notices_use_the_key_from_an_earlier_reply_line_and_scale_prices()
    {
        var (exit, records, errors) = Run(
            Utf8(SuccessReply("H0IFCNI0", "abcd1234")),
            Utf8("""{"header":{"tr_id":"PINGPONG","datetime":"20261121093000"}}"""),
            Utf8($"1|H0IFCNI0|002|{EncryptIndependently(Repeat(NoticeRecord, 2))}"));
        Assert.Equal(0, exit);
        Assert.Equal("", errors);
        Assert.Equal(2, records.Count);
        var f = records[0].GetProperty("fields");
        Assert.Equal("78400.00", f.GetProperty("cntg_unpr").GetRawText());
        Assert.Equal("2", f.GetProperty("cntg_qty").GetRawText());
        Assert.Equal("0000001666", f.GetProperty("oder_no").GetString());
        Assert.Equal("김한국", f.GetProperty("acnt_name").GetString());
        Assert.Equal("", f.GetProperty("ooder_no").GetString());
    }

    [Fact]
    public void Appended_fields_go_to_extra_and_empty_numbers_are_null()
    {
        var record = ProgramTradeRecord.Replace("^65033^", "^^") + "^X1^X2";
        var (exit, records, _) = Run(Utf8($"0|H0UNPGM0|002|{record}^{record}"));
        Assert.Equal(0, exit);
        Assert.Equal(2, records.Count);
        Assert.Equal(["X1", "X2"], records[1].GetProperty("extra").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, records[0].GetProperty("fields").GetProperty("seln_rsqn").ValueKind);
        Assert.Equal("-17227936700", records[0].GetProperty("fields").GetProperty("ntby_tr_pbmn").GetRawText());
    }

    [Fact]
    public void Cp949_bytes_in_a_line_decode_to_korean()
    {
        var prefix = Utf8("0|H0BJCNT0|001|KR103502GD31^");
        var name = KisText.Korean.GetBytes("국고03250-5303(23-2)");
        var rest = Utf8(BondTradeRecord[BondTradeRecord.IndexOf("^131743", StringComparison.Ordinal)..]);
        var (exit, records, errors) = Run([.. prefix, .. name, .. rest]);
        Assert.Equal(0, exit);
        Assert.Equal("", errors);
        Assert.Equal("국고03250-5303(23-2)", Assert.Single(records).GetProperty("fields").GetProperty("bond_isnm").GetString());
    }

    [Fact]
    public void Bad_lines_are_reported_by_number_and_decoding_continues()
    {
        var (exit, records, errors) = Run(
            Utf8("garbage"),
            Utf8(IndexTickFrame),
            Utf8("0|H0UPCNT0|002|" + IndexTickRecord + "^x"),
            Utf8("1|H0IFCNI0|001|" + EncryptIndependently(NoticeRecord)),
            Utf8(IndexTickFrame.Replace("2624.54", "abc")),
            Utf8("{not json"),
            Utf8(IndexTickFrame));
        Assert.Equal(1, exit);
        Assert.Equal(2, records.Count);
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        Assert.Equal("kisrt decode: 5 of 7 lines could not be decoded", lines[5]);
        Assert.StartsWith("kisrt decode: line 1:", lines[0]);
        Assert.Contains("line 3:", lines[1]);
        Assert.Contains("not a multiple", lines[1]);
        Assert.Contains("line 4:", lines[2]);
        Assert.Contains("no key", lines[2]);
        Assert.Contains("line 5:", lines[3]);
        Assert.Contains("prpr_nmix", lines[3]);
        Assert.Contains("line 6:", lines[4]);
    }

    [Fact]
    public void Recorded_raw_lines_with_timestamps_decode_too()
    {
        var (exit, records, _) = Run(Utf8("2026-11-21T00:12:40.1234567+00:00\t" + IndexTickFrame));
        Assert.Equal(0, exit);
        Assert.Single(records);
    }
}

public class DecodeCompletenessTests
{
    private static (int Exit, int Records, string[] Errors) Run(string text, int maxLineLength = 1 << 20)
    {
        var output = new MemoryStream();
        var errors = new StringWriter();
        var exit = DecodeCommand.Run(new MemoryStream(Encoding.UTF8.GetBytes(text)), output, errors, maxLineLength);
        var records = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        return (exit, records, errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Json_that_is_not_a_kis_message_is_reported()
    {
        var (exit, records, errors) = Run("{\"hello\":\"world\"}\n{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"20261121093000\"}}\n" + IndexTickFrame
            + "\n");
        Assert.Equal(1, exit);
        Assert.Equal(1, records);
        Assert.Equal("kisrt decode: line 1: JSON that is not a KIS message (neither PINGPONG nor a reply with body.rt_cd / msg_cd)", errors[0]);
        Assert.Equal(3, errors.Length); // the line, the count, and (every failure being JSON) where decode's input is
        Assert.Contains("raw.log", errors[2]);
    }

    [Theory]
    [InlineData("\"iv\":\"0123456789abcdef\",\"key\":\"short\"", "carries an unusable notice key or iv")]
    [InlineData("\"iv\":\"0123\",\"key\":\"abcdefghijklmnopabcdefghijklmnop\"", "carries an unusable notice key or iv")]
    [InlineData("\"key\":\"abcdefghijklmnopabcdefghijklmnop\"", "carries only one of output.key and output.iv")]
    public void A_success_reply_with_an_unusable_key_or_iv_is_reported(string output, string expected)
    {
        var reply = "{\"header\":{\"tr_id\":\"H0IFCNI0\",\"tr_key\":\"simuser01\",\"encrypt\":\"Y\"},\"body\":{\"rt_cd\":\"0\",\"msg_cd\":\"OPSP0000\"," +
            "\"msg1\":\"SUBSCRIBE SUCCESS\",\"output\":{" + output + "}}}";
        var (exit, _, errors) = Run(reply + "\n");
        Assert.Equal(1, exit);
        Assert.Contains("line 1: reply for H0IFCNI0 " + expected, errors[0]);
    }

    [Fact]
    public void Replies_and_pingpong_are_recognised_silently()
    {
        var refused = "{\"header\":{\"tr_id\":\"H0UPCNT0\",\"tr_key\":\"9999\",\"encrypt\":\"N\"},\"body\":{\"rt_cd\":\"1\",\"msg_cd\":\"OPSP0003\"," +
            "\"msg1\":\"invalid tr_key\"}}";
        var (exit, records, errors) = Run(SuccessReply("H0IFCNI0", "simuser01") + "\n" + refused
            + "\n{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"20261121093000\"}}\n");
        Assert.Equal(0, exit);
        Assert.Equal(0, records);
        Assert.Empty(errors);
    }

    [Fact]
    public void A_line_too_long_to_hold_is_reported_and_skipped_and_decoding_goes_on()
    {
        var (exit, records, errors) = Run(IndexTickFrame + "\n" + new string('x', 5000) + "\n" + IndexTickFrame + "\n" + new string('y', 3000),
            maxLineLength: 1024);
        Assert.Equal(1, exit);
        Assert.Equal(2, records);
        Assert.Equal("kisrt decode: line 2: line of 5,000 bytes is longer than 1,024 bytes (no KIS message is); skipped", errors[0]);
        Assert.Equal("kisrt decode: line 4: line of 3,000 bytes is longer than 1,024 bytes (no KIS message is); skipped", errors[1]);
        Assert.Equal("kisrt decode: 2 of 4 lines could not be decoded", errors[2]);
    }

    [Fact]
    public void Lines_arriving_a_few_bytes_at_a_time_are_split_exactly()
    {
        var text = string.Join("\n", Enumerable.Range(0, 50).Select(i => i % 7 == 3 ? "" : IndexTickFrame)) + "\n";
        var output = new MemoryStream();
        var errors = new StringWriter();
        var exit = DecodeCommand.Run(new TrickleStream(Encoding.UTF8.GetBytes(text), 7), output, errors);
        Assert.Equal(0, exit);
        Assert.Equal(43, Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    /// <summary>A pipe that hands out at most <c>chunk</c> bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
    }
}

public class DecodeFuzzTests
{
    [Fact]
    public void Mutated_lines_never_throw_and_every_line_is_decoded_recognised_or_reported()
    {
        var seeds = new[]
        {
            IndexTickFrame,
            SuccessReply("H0IFCNI0", "simuser01"),
            $"1|H0IFCNI0|002|{EncryptIndependently(Repeat(NoticeRecord, 2))}",
            """{"header":{"tr_id":"PINGPONG","datetime":"20261121093000"}}""",
            "0|H0UNPGM0|002|" + ProgramTradeRecord + "^" + ProgramTradeRecord,
        }.Select(Encoding.UTF8.GetBytes).ToArray();
        var random = new Random(12345);
        var input = new MemoryStream();
        const int lines = 20_000;
        for (var i = 0; i < lines; i++)
        {
            var line = (byte[])seeds[random.Next(seeds.Length)].Clone();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var at = random.Next(line.Length);
                // Mutations that reach the parsers' edges: field/record separators, digits, quotes, braces, bytes >= 0x80.
                line[at] = random.Next(6) switch
                {
                    0 => (byte)'^', 1 => (byte)'|', 2 => (byte)('0' + random.Next(10)), 3 => (byte)'"', 4 => (byte)'}',
                    _ => (byte)random.Next(0x80, 0x100),
                };
                if (line[at] == (byte)'\n' || line[at] == (byte)'\r') line[at] = (byte)'x';
            }
            input.Write(line);
            input.WriteByte((byte)'\n');
        }
        input.Position = 0;

        var output = new MemoryStream();
        var errors = new StringWriter();
        var exit = DecodeCommand.Run(input, output, errors);

        Assert.Equal(1, exit);
        var summary = errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        var match = System.Text.RegularExpressions.Regex.Match(summary, @"^kisrt decode: ([\d,]+) of ([\d,]+) lines could not be decoded$");
        Assert.True(match.Success, summary);
        Assert.Equal($"{lines:N0}", match.Groups[2].Value);
        // Every output line is a JSON object (a half-written record would not parse).
        foreach (var json in Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            using (JsonDocument.Parse(json)) { }
    }
}
