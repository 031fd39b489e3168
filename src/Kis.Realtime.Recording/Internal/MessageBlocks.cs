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

    /// <summary>The reader's side: fills blocks, hands each on when full, and the last one at the end.</summary>
    public sealed class Writer(MessageBlocks blocks, CancellationToken cancellationToken)
    {
        private Block? _current;

        /// <summary>Adds a message to the current block; false when there is none or it is full (then <see cref="AddToNextAsync"/>).</summary>
        public bool TryAdd(DateTimeOffset receivedAt, RecordingLocation source, ReadOnlySpan<byte> message) =>
            _current is { } block && block.TryAdd(receivedAt, source, message);

        /// <summary>Hands the current block on and adds the message to the next free one (waiting for it).</summary>
        public async ValueTask AddToNextAsync(DateTimeOffset receivedAt, RecordingLocation source, byte[] message)
        {
            await FlushAsync().ConfigureAwait(false);
            _current = await blocks._free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            _current.Add(receivedAt, source, message); // an empty block takes any message
        }

        /// <summary>Hands on what the current block holds.</summary>
        public async ValueTask FlushAsync()
        {
            if (_current is not { Count: > 0 } block) return;
            _current = null;
            await blocks._full.Writer.WriteAsync(block, cancellationToken).ConfigureAwait(false);
        }

        public void Complete(Exception? error = null) => blocks._full.Writer.TryComplete(error);
    }

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
