using System.Text;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A stream reader's keys: each key's subscriptions and what was delivered for it (<see cref="StreamKeyFeed"/>). Copied
/// on write under <see cref="_gate"/> and read without it: the delivery path looks a key up per record.
/// </summary>
internal sealed class StreamKeyTable
{
    private readonly Lock _gate = new(); // guards writes of _keys
    private Dictionary<string, StreamKeyFeed> _keys = new(StringComparer.Ordinal);

    /// <summary>True when no subscription is fed any more.</summary>
    public bool IsEmpty => Volatile.Read(ref _keys).Count == 0;

    /// <summary>The keys' feeds now (a snapshot).</summary>
    public IEnumerable<StreamKeyFeed> Feeds => Volatile.Read(ref _keys).Values;

    /// <summary>Feeds <paramref name="subscriber"/> from now on, with what was delivered to it (run, sequence) for a new key.</summary>
    public void Add(StreamSubscriber subscriber, byte[]? run, long sequence)
    {
        lock (_gate)
        {
            var keys = new Dictionary<string, StreamKeyFeed>(_keys, StringComparer.Ordinal);
            keys[subscriber.Key] = keys.TryGetValue(subscriber.Key, out var feed) ? feed.With(subscriber)
                : new StreamKeyFeed(subscriber.Key, [subscriber], run, sequence);
            Volatile.Write(ref _keys, keys);
        }
    }

    /// <summary>Stops feeding a subscription: it ended, or moves to a reader of its own.</summary>
    public void Remove(StreamSubscriber subscriber)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(subscriber.Key, out var feed)) return;
            var keys = new Dictionary<string, StreamKeyFeed>(_keys, StringComparer.Ordinal);
            if (feed.Without(subscriber) is { } left) keys[subscriber.Key] = left;
            else keys.Remove(subscriber.Key);
            Volatile.Write(ref _keys, keys);
        }
    }

    public StreamKeyFeed? FeedOf(string key) => Volatile.Read(ref _keys).TryGetValue(key, out var feed) ? feed : null;

    /// <summary>The feed of a key as the message's header spells it (ASCII), without a string per record.</summary>
    public StreamKeyFeed? FeedOf(byte[] keyBytes)
    {
        Span<char> key = stackalloc char[keyBytes.Length];
        Encoding.ASCII.GetChars(keyBytes, key);
        return Volatile.Read(ref _keys).GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out var feed) ? feed : null;
    }

    /// <summary>Ends the subscriptions of <paramref name="key"/> (with <paramref name="reason"/>, or normally when null).</summary>
    public void End(string key, Exception? reason)
    {
        if (FeedOf(key) is { } feed) End(feed, reason);
    }

    /// <summary>Ends the subscriptions of <paramref name="feed"/> (with <paramref name="reason"/>, or normally when null).</summary>
    public static void End(StreamKeyFeed feed, Exception? reason)
    {
        foreach (var subscriber in feed.Subscribers) subscriber.Buffer.Writer.TryComplete(reason);
    }

    /// <summary>Ends every subscription normally (the reader closes).</summary>
    public void EndAll()
    {
        foreach (var feed in Feeds) End(feed, null);
    }
}
