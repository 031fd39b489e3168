using System.Threading.Channels;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>One subscription of a stream reader: its key and its bounded buffer.</summary>
internal sealed class StreamSubscriber(string key, Channel<StreamRecord> buffer)
{
    /// <summary>The reader feeding it now (it may move from a shared reader to one of its own); <see cref="GatewayReaderPool"/>'s gate guards it.</summary>
    public GatewayStreamReader? Current;

    /// <summary>Set when its enumeration ended (<see cref="GatewayReaderPool"/>'s gate guards it): a pending move is dropped.</summary>
    public bool Ended;

    public string Key { get; } = key;
    public Channel<StreamRecord> Buffer { get; } = buffer;
    public ChannelReader<StreamRecord> Reader => Buffer.Reader;
}
