using System.Text;
using Kis.Realtime.Cli.Output;
using Kis.Realtime.Tests.Trs;

namespace Kis.Realtime.Tests.Cli;

public sealed class JsonLinesSinkTests
{
    /// <summary>Counts what reaches the "operating system": every Write and Flush of the stream under the buffer.</summary>
    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }
        public int Flushes { get; private set; }
        public override void Write(byte[] buffer, int offset, int count) { Writes++; base.Write(buffer, offset, count); }
        public override void Write(ReadOnlySpan<byte> buffer) { Writes++; base.Write(buffer); }
        public override void Flush() { Flushes++; base.Flush(); }
    }

    [Fact]
    public async Task Records_stay_in_the_buffer_until_the_sink_is_flushed_and_then_go_out_in_one_write()
    {
        var tr = KisTrs.All.Single(t => t.Id == "H0UPCNT0");
        var record = new GoldenRecord(tr).Bytes;
        var os = new CountingStream();
        var sink = new JsonLinesSink(new BufferedStream(os, 64 * 1024));
        for (var i = 0; i < 20; i++) sink.Write(new OutputRecord(tr, "0001", DateTimeOffset.UnixEpoch, record));

        // Before the fix, Utf8JsonWriter.Flush flushed the stream under it: one write and flush per record.
        Assert.Equal(0, os.Writes);
        Assert.Equal(0, os.Flushes);

        sink.Flush();
        Assert.Equal(1, os.Writes);
        var lines = Encoding.UTF8.GetString(os.ToArray()).Split('\n');
        Assert.Equal(21, lines.Length); // 20 lines, each ended by '\n'
        Assert.Equal("", lines[^1]);
        Assert.All(lines[..^1], l => Assert.StartsWith("{\"tr_id\":\"H0UPCNT0\",\"tr_key\":\"0001\"", l));
        await sink.DisposeAsync();
    }
}
