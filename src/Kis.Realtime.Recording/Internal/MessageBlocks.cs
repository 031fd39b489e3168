using System.Threading.Channels;

namespace Kis.Realtime.Internal;

/// <summary>
/// Messages read ahead, a block at a time: the reader fills a block (the messages' bytes back to back, with their
/// receive times and places in the recording) while the replay decodes the one before. A fixed set of blocks goes round between the two, so the
/// memory held is a few blocks, whatever the size of the recording.
/// </summary>
internal sealed class MessageBlocks
{
    /// <summary>Blocks in circulation: one being read, one decoded, one ready.</summary>
    public const int BlockCount = 3;
    /// <summary>Bytes a block holds before it is handed on (a longer message gets a block of its size).</summary>
    public const int BlockBytes = 256 * 1024;
    /// <summary>Messages a block holds before it is handed on.</summary>
    public const int BlockMessages = 2048;

    private readonly Channel<Block> _full = Channel.CreateBounded<Block>(new BoundedChannelOptions(BlockCount) { SingleReader = true, SingleWriter = true });
    private readonly Channel<Block> _free = Channel.CreateBounded<Block>(new BoundedChannelOptions(BlockCount) { SingleReader = true, SingleWriter = true });

    public MessageBlocks()
    {
        for (var i = 0; i < BlockCount; i++) _free.Writer.TryWrite(new Block());
    }

    public ChannelReader<Block> Full => _full.Reader;

    /// <summary>The reader's side: the next block to fill (waiting for the replay to give one back).</summary>
    public ValueTask<Block> TakeFreeAsync(CancellationToken cancellationToken) => _free.Reader.ReadAsync(cancellationToken);

    /// <summary>The reader's side: hands a filled block on (never waits: no more blocks go round than the channel holds).</summary>
    public void HandOn(Block block)
    {
        if (!_full.Writer.TryWrite(block)) throw new InvalidOperationException("More blocks handed on than go round.");
    }

    /// <summary>The reader's side: no more blocks (or the reader's failure, which the replay then sees).</summary>
    public void Complete(Exception? error = null) => _full.Writer.TryComplete(error);

    /// <summary>Gives a block whose messages were all yielded back to the reader.</summary>
    public void Return(Block block)
    {
        block.Clear();
        _free.Writer.TryWrite(block);
    }

    public sealed class Block
    {
        private byte[] _data = new byte[BlockBytes];
        private readonly DateTimeOffset[] _times = new DateTimeOffset[BlockMessages];
        private readonly RecordingLocation[] _sources = new RecordingLocation[BlockMessages]; // the file name is one string per file
        private readonly int[] _starts = new int[BlockMessages];
        private readonly int[] _lengths = new int[BlockMessages];
        private int _used;

        public int Count { get; private set; }

        public RecordedMessage this[int index] => new(_times[index], 0, _data.AsMemory(_starts[index], _lengths[index])) { Source = _sources[index] };

        public bool TryAdd(DateTimeOffset receivedAt, RecordingLocation source, ReadOnlySpan<byte> message)
        {
            if (Count == BlockMessages || _used + message.Length > _data.Length)
                return Count == 0 && Grow(message.Length) && TryAdd(receivedAt, source, message);
            message.CopyTo(_data.AsSpan(_used));
            (_times[Count], _sources[Count], _starts[Count], _lengths[Count]) = (receivedAt, source, _used, message.Length);
            _used += message.Length;
            Count++;
            return true;
        }

        public void Add(DateTimeOffset receivedAt, RecordingLocation source, ReadOnlySpan<byte> message)
        {
            if (!TryAdd(receivedAt, source, message)) throw new InvalidOperationException("An empty block takes any message.");
        }

        private bool Grow(int length)
        {
            if (length <= _data.Length) return false;
            _data = new byte[length];
            return true;
        }

        public void Clear()
        {
            (_used, Count) = (0, 0);
            if (_data.Length > BlockBytes) _data = new byte[BlockBytes]; // a long message's block is not kept
        }
    }
}
