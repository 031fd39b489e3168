using Kis.Realtime.Formatting;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Protocol.DocumentedFrames;

namespace Kis.Realtime.Tests.Protocol;

/// <summary>Mutated and truncated frames must never throw out of the decoder: every outcome is a value.</summary>
public class RobustnessTests
{
    private static readonly string[] Seeds =
    [
        IndexTickFrame,
        "0|H0UPCNT0|002|" + Repeat(IndexTickRecord, 2),
        "0|H0BJCNT0|001|" + BondTradeRecord,
        "0|H0NXPGM0|001|" + ProgramTradeRecord,
        "0|H0UNPGM0|003|" + Repeat(ProgramTradeRecord, 3),
        "1|H0IFCNI0|001|" + EncryptIndependently(NoticeRecord),
        "0|H0IFCNI0|001|" + NoticeRecord,
        SuccessReply("H0IFCNI0", "abcd1234"),
        """{"header":{"tr_id":"PINGPONG","datetime":"20261121093000"}}""",
    ];

    private static readonly byte[] Alphabet = "0123456789^|.-+{}\":,abcXYZ \t\r\n\u00ff"u8.ToArray();

    [Fact]
    public void Mutated_and_truncated_messages_never_throw()
    {
        var random = new Random(20261121);
        using var decoder = new FrameDecoder();
        Assert.True(ControlMessage.TryParse(Utf8(SuccessReply("H0IFCNI0", "abcd1234")), out var reply));
        decoder.Learn(reply);
        var outcomes = new Dictionary<string, int>();
        for (var iteration = 0; iteration < 20_000; iteration++)
        {
            var bytes = Utf8(Seeds[random.Next(Seeds.Length)]);
            var mutated = Mutate(bytes, random);
            var outcome = DecodeEverything(decoder, mutated);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        // The fuzzer must reach both successes and many distinct error kinds, or it is not testing much.
        Assert.True(outcomes.GetValueOrDefault("ok") > 100, string.Join(", ", outcomes));
        Assert.True(outcomes.Count >= 6, string.Join(", ", outcomes));
    }

    private static byte[] Mutate(byte[] input, Random random)
    {
        var bytes = input.ToList();
        var edits = random.Next(0, 4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0: bytes[at] = Alphabet[random.Next(Alphabet.Length)]; break;
                case 1: bytes.RemoveAt(at); break;
                case 2: bytes.Insert(at, Alphabet[random.Next(Alphabet.Length)]); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break; // truncate
                case 4: bytes[at] = (byte)random.Next(256); break;
            }
        }
        return bytes.ToArray();
    }

    private static string DecodeEverything(FrameDecoder decoder, byte[] message)
    {
        switch (DataFrame.Classify(message))
        {
            case MessageKind.Control:
                if (!ControlMessage.TryParse(message, out var c)) return "control-bad";
                decoder.Learn(c); // a mutated tr_id, key or iv must not throw either
                return "control-" + c.Kind;
            case MessageKind.Unknown:
                return "unknown";
        }

        if (!DataFrame.TryParse(message, out var frame, out var error)) return error.Kind.ToString();
        if (!decoder.TryOpen(frame, out var tr, out var records, out error)) return error.Kind.ToString();
        using var sink = new MemoryStream();
        using var json = new System.Text.Json.Utf8JsonWriter(sink);
        while (records.TryNext(out var record))
        {
            var ok = tr.Id switch
            {
                "H0UPCNT0" => IndexTick.TryDecode(tr, record, out _, out error),
                "H0BJCNT0" => BondTrade.TryDecode(tr, record, out _, out error),
                "H0IFCNI0" => FuturesOptionsNotice.TryDecode(tr, record, out _, out error),
                _ => ProgramTrade.TryDecode(tr, record, out _, out error),
            };
            if (RecordJson.TryValidate(tr, record, out _))
            {
                RecordJson.Write(json, tr, record);
                json.Flush();
                json.Reset();
            }
            if (!ok) return error.Kind.ToString();
        }
        return "ok";
    }
}
