namespace Kis.Realtime.Session;

/// <summary>The client's raw tap: every message of every session, bounded (see <see cref="RawTaps"/>).</summary>
internal sealed class RawTap(ClientShared shared, CancellationToken callToken) : IAsyncEnumerable<RawMessage>
{
    // The tap opens here, not in the iterator (whose body runs only at the first MoveNextAsync): messages arriving
    // between GetAsyncEnumerator and the first MoveNextAsync are kept, and an enumerable never enumerated keeps nothing.
    public IAsyncEnumerator<RawMessage> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        var channel = shared.RawTaps.Add();
        return new Closing(Read(channel, cancellationToken), () => shared.RawTaps.Remove(channel));
    }

    /// <summary>Closes the tap on dispose even before the first MoveNextAsync (an iterator's finally would not run then).</summary>
    private sealed class Closing(IAsyncEnumerator<RawMessage> inner, Action close) : IAsyncEnumerator<RawMessage>
    {
        public RawMessage Current => inner.Current;
        public ValueTask<bool> MoveNextAsync() => inner.MoveNextAsync();

        public async ValueTask DisposeAsync()
        {
            try { await inner.DisposeAsync().ConfigureAwait(false); }
            finally { close(); } // idempotent
        }
    }

    private async IAsyncEnumerator<RawMessage> Read(System.Threading.Channels.Channel<RawMessage> channel, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callToken);
        cancellationToken = linked.Token;
        try
        {
            var reader = channel.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (reader.TryRead(out var message)) yield return message;
        }
        finally
        {
            shared.RawTaps.Remove(channel);
        }
    }
}
