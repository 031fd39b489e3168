namespace Kis.Realtime.Gateway;

internal sealed partial class GatewayStreamReader
{
    /// <summary>
    /// A key's subscriptions (an immutable list, replaced on change) and what was delivered for it: run and sequence,
    /// touched only by the one delivery at a time, and carried over when the list changes.
    /// </summary>
    private sealed class KeyFeed(string key, Subscriber[] subscribers)
    {
        private readonly Box _delivered = new();

        private KeyFeed(string key, Subscriber[] subscribers, Box delivered) : this(key, subscribers) => _delivered = delivered;

        public KeyFeed(string key, Subscriber[] subscribers, byte[]? run, long sequence) : this(key, subscribers, new Box { Run = run, Sequence = sequence })
        {
        }

        public string Key { get; } = key;
        public Subscriber[] Subscribers { get; } = subscribers;

        public KeyFeed With(Subscriber subscriber) => new(Key, [.. Subscribers, subscriber], _delivered);

        public KeyFeed? Without(Subscriber subscriber) =>
            Subscribers.Length == 1 && Subscribers[0] == subscriber ? null : new(Key, [.. Subscribers.Where(s => s != subscriber)], _delivered);

        /// <summary>True once a record of this key at or after the reader's start time was delivered (always, without one).</summary>
        public bool PassedStart
        {
            get => _delivered.PassedStart;
            set => _delivered.PassedStart = value;
        }

        /// <summary>
        /// A repeat of this run's records (a gateway resends unconfirmed records after a broker failure: never more than
        /// <paramref name="window"/> behind the highest delivered), new, or new though it went further back (the count
        /// restarts from it: a record with a forged huge seq cannot hold back every genuine one after it).
        /// </summary>
        public Sequence Judge(byte[]? run, long sequence, long window)
        {
            var verdict = Sequence.New;
            if (run is not null && _delivered.Run is not null && run.AsSpan().SequenceEqual(_delivered.Run))
            {
                if (sequence <= _delivered.Sequence)
                {
                    // Subtracted as unsigned: a forged seq near long.MinValue cannot overflow into "close behind".
                    if ((ulong)(_delivered.Sequence - sequence) <= (ulong)window) return Sequence.Repeat;
                    verdict = Sequence.WentBack;
                }
            }
            else
            {
                _delivered.Run = run;
            }
            _delivered.Sequence = sequence;
            return verdict;
        }

        private sealed class Box
        {
            public byte[]? Run;
            public long Sequence;
            public bool PassedStart;
        }
    }

    /// <summary>What a record's <c>seq</c> says about it (<see cref="KeyFeed.Judge"/>).</summary>
    private enum Sequence { New, Repeat, WentBack }
}
