using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// The recording's messages in <see cref="PreparedBlock"/>s, their pure work done: ahead, on a thread of its own that
/// fills the next blocks while the driver steps through the one before (a backtest's decoding on a second core), or on
/// the caller's thread (one core, for many backtests side by side). A fixed set of blocks goes round, so the memory
/// held is a few blocks whatever the recording's size.
/// </summary>
internal static class BacktestPreparation
{
    /// <summary>Blocks in circulation when preparing ahead: one being filled, one stepped through, one ready.</summary>
    private const int BlockCount = 3;

    /// <summary>The recording's blocks, in order. A block is valid until the next is asked for.</summary>
    public static IAsyncEnumerable<PreparedBlock> ReadAsync(KisRecordingSource recording, bool ahead, CancellationToken cancellationToken) =>
        ahead ? ReadAheadAsync(recording, cancellationToken) : ReadInlineAsync(recording, cancellationToken);

    private static async IAsyncEnumerable<PreparedBlock> ReadInlineAsync(KisRecordingSource recording,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var block = new PreparedBlock();
        await foreach (var message in recording.ReadAsync(new ReplayQuery(), cancellationToken).ConfigureAwait(false))
        {
            block.Prepare(message);
            if (!block.IsFull) continue;
            yield return block;
            block.Clear();
        }
        if (block.Count > 0) yield return block;
    }

    private static async IAsyncEnumerable<PreparedBlock> ReadAheadAsync(KisRecordingSource recording,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = new BoundedChannelOptions(BlockCount) { SingleReader = true, SingleWriter = true };
        var full = Channel.CreateBounded<PreparedBlock>(options);
        var free = Channel.CreateBounded<PreparedBlock>(options);
        for (var i = 0; i < BlockCount; i++) free.Writer.TryWrite(new PreparedBlock());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var filling = Task.Run(() => FillAsync(recording, full.Writer, free.Reader, stop.Token), CancellationToken.None);
        try
        {
            // The recording's failure, if any, completes the channel with it: thrown here as the recording threw it.
            while (await full.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (full.Reader.TryRead(out var block))
                {
                    yield return block;
                    block.Clear(); // stepped through: its messages are no longer read
                    free.Writer.TryWrite(block);
                }
            }
        }
        finally
        {
            // Stopped early (or done): the filler stops at its next message or block before this returns.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await filling.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Its failure, if any, already ended the loop above (the channel completed with it).
            }
        }
    }

    /// <summary>Fills the free blocks as the driver gives them back, until the recording ends or the backtest stops.</summary>
    private static async Task FillAsync(KisRecordingSource recording, ChannelWriter<PreparedBlock> full, ChannelReader<PreparedBlock> free,
        CancellationToken cancellationToken)
    {
        try
        {
            var block = await free.ReadAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var message in recording.ReadAsync(new ReplayQuery(), cancellationToken).ConfigureAwait(false))
            {
                block.Prepare(message);
                if (!block.IsFull) continue;
                HandOn(full, block);
                block = await free.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            if (block.Count > 0) HandOn(full, block);
            full.TryComplete();
        }
        catch (Exception e)
        {
            full.TryComplete(e);
        }
    }

    // Never waits: no more blocks go round than the channel holds.
    private static void HandOn(ChannelWriter<PreparedBlock> full, PreparedBlock block)
    {
        if (!full.TryWrite(block)) throw new InvalidOperationException("More prepared blocks handed on than go round.");
    }
}
