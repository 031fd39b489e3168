using System.Text;
using Kis.Realtime.Cli.IO;

namespace Kis.Realtime.Tests.Cli;

public sealed class BackgroundOutputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>A target whose writes block until the test lets them through, like a pipe nobody reads.</summary>
    private sealed class GatedStream : MemoryStream
    {
        public readonly SemaphoreSlim Gate = new(0);
        public readonly SemaphoreSlim Written = new(0);
        public int Writes;
        private long _bytesWritten;

        public long BytesWritten
        {
            get
            {
                lock (this) return _bytesWritten;
            }
        }

        // MemoryStream's span overload calls the array one in a derived class: count and gate there only.
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            Gate.Wait();
            lock (this)
            {
                Writes++;
                base.Write(buffer, offset, count);
                _bytesWritten += count;
            }
            Written.Release();
        }

        /// <summary>What reached the target so far, read safely beside the writer thread.</summary>
        public string Text()
        {
            lock (this) return Encoding.ASCII.GetString(ToArray());
        }
    }

    private sealed class FailingStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("Broken pipe");
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("Broken pipe");
    }

    [Fact]
    public async Task Writes_return_while_the_target_blocks_and_reach_it_in_order_once_it_moves()
    {
        var target = new GatedStream();
        var output = new BackgroundOutput(target, capacityBytes: 1 << 20);
        output.Write("one\n"u8);
        output.Flush();
        // The target blocks the background task; the producer goes on.
        for (var i = 0; i < 100; i++) output.Write(Encoding.ASCII.GetBytes($"line {i}\n"));
        output.Flush();
        target.Gate.Release(int.MaxValue / 2);
        await output.CompleteAsync().WaitAsync(Timeout);
        var text = Encoding.ASCII.GetString(target.ToArray());
        Assert.Equal("one\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"line {i}\n")), text);
        Assert.True(target.Writes <= 3, $"{target.Writes} writes: what was collected meanwhile goes out in one");
    }

    [Fact]
    public async Task It_is_full_while_the_bound_waits_to_be_written_and_not_after()
    {
        var target = new GatedStream();
        var output = new BackgroundOutput(target, capacityBytes: 1000);
        output.Write(new byte[600]);
        Assert.False(output.IsFull);
        output.Write(new byte[600]);
        Assert.True(output.IsFull);
        output.Flush();
        target.Gate.Release();
        Assert.True(await target.Written.WaitAsync(Timeout), "the writer wrote");
        Assert.False(output.IsFull);
        target.Gate.Release(10);
        await output.CompleteAsync().WaitAsync(Timeout);
        Assert.Equal(1200, target.Length);
    }

    [Fact]
    public async Task With_write_behind_what_is_written_goes_out_without_a_flush_collected_in_few_writes()
    {
        var target = new GatedStream();
        var output = new BackgroundOutput(target, capacityBytes: 1 << 20, writeBehind: TimeSpan.FromMilliseconds(20));
        var lines = string.Concat(Enumerable.Range(0, 100).Select(i => $"line {i}\n"));
        for (var i = 0; i < 100; i++) output.Write(Encoding.ASCII.GetBytes($"line {i}\n"));
        // No Flush: the writer takes what was collected on its own, within the delay.
        target.Gate.Release(int.MaxValue / 2);
        while (target.Text() != lines) Assert.True(await target.Written.WaitAsync(Timeout), "the collected lines were written without a flush");
        output.Write("last\n"u8); // a later write goes out too
        while (target.Text() != lines + "last\n") Assert.True(await target.Written.WaitAsync(Timeout), "the later line was written without a flush");
        Assert.True(target.Writes <= 3, $"{target.Writes} writes for 101 lines: they go out collected");
        await output.CompleteAsync().WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_failed_write_is_reported_to_the_producer_with_its_cause()
    {
        var output = new BackgroundOutput(new FailingStream(), capacityBytes: 1 << 20);
        output.Write("x\n"u8);
        output.Flush();
        var e = await Assert.ThrowsAsync<IOException>(() => output.CompleteAsync().WaitAsync(Timeout));
        Assert.Contains("Broken pipe", e.Message);
        Assert.Throws<IOException>(() => output.Write("y\n"u8));
    }

    [Fact]
    public async Task What_it_holds_is_bounded_by_the_bytes_waiting_not_a_doubled_array()
    {
        var target = new GatedStream();
        const int capacity = 1 << 20;
        var output = new BackgroundOutput(target, capacity);
        var line = new byte[1000];
        line[^1] = (byte)'\n';
        while (!output.IsFull) output.Write(line); // as the producer does: it stops writing once full
        // One 64 KB chunk at most beyond the bound (a growing array would hold twice the bound here).
        Assert.InRange(output.BytesHeld, capacity, capacity + BackgroundOutput.WriteSoonBytes);
        output.Flush();
        target.Gate.Release(int.MaxValue / 2);
        await output.CompleteAsync().WaitAsync(Timeout);
        Assert.Equal(0, target.Length % 1000);
        Assert.True(target.Length >= capacity);
    }

    [Fact]
    public async Task While_output_flows_its_chunks_are_reused_so_a_long_run_allocates_no_more_than_twice_the_bound()
    {
        // Chunks given back to the GC after waiting and being written are mostly generation-2 garbage: a flat-out soak's
        // heap grew with them. 100 batches of 2 MB (32 chunks each) through a 4 MB bound.
        var target = new GatedStream();
        target.Gate.Release(int.MaxValue / 2);
        const int capacity = 4 << 20;
        var output = new BackgroundOutput(target, capacity);
        var line = new byte[1000];
        line[^1] = (byte)'\n';
        long total = 0;
        for (var batch = 0; batch < 100; batch++)
        {
            for (var i = 0; i < 2_000; i++, total += line.Length) output.Write(line);
            output.Flush();
            while (target.BytesWritten < total)
                Assert.True(await target.Written.WaitAsync(Timeout), $"batch {batch} was written");
        }
        await output.CompleteAsync().WaitAsync(Timeout);
        Assert.True(output.ChunksAllocated <= 2 * capacity / (64 * 1024) + 2,
            $"{output.ChunksAllocated} chunks of 64 KB allocated for {total:N0} bytes through a {capacity:N0}-byte bound");
    }

    [Fact]
    public async Task With_write_behind_a_pipes_worth_goes_out_without_waiting_for_the_delay()
    {
        var target = new GatedStream();
        target.Gate.Release(int.MaxValue / 2);
        // A delay far longer than the test's bound: only the size can make the writer write.
        var output = new BackgroundOutput(target, capacityBytes: 16 << 20, writeBehind: TimeSpan.FromMinutes(10));
        output.Write("first\n"u8); // starts the delay
        output.Write(new byte[BackgroundOutput.WriteSoonBytes]);
        Assert.True(await target.Written.WaitAsync(Timeout), "64 KB collected were written before the delay ended");
        await output.CompleteAsync().WaitAsync(Timeout);
    }
}
