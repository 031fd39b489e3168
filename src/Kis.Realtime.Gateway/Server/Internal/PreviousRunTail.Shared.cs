using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

internal static partial class PreviousRunTail
{
    private static readonly Lock ReadsGate = new();
    private static readonly Dictionary<string, TailRead> Reads = new(StringComparer.Ordinal); // in flight, by broker and stream

    /// <summary>
    /// One read of a TR stream shared by this process's takeovers that begin while it runs: a fleet process that takes a
    /// killed one's shards starts 40-odd gateways at once, and each reading both TR streams of the open on its own kept
    /// the broker and the cores busy past every read's bound (issue 61: each took 5–13 s and found nothing). It notes
    /// every run's last record of each key; a takeover that joins later moves its end on to its own start's margin, and
    /// joins only a read that began early enough for its previous run (from its checkpoint on). It ends like a lone read
    /// (a record received after the last joiner's margin, or the stream quiet) or at the bound; then it is forgotten, and
    /// the next takeover starts a new one.
    /// </summary>
    private sealed class TailRead
    {
        private readonly string _name;
        private readonly long _fromSeconds;
        private long _untilMicros; // written under ReadsGate
        private bool _ended; // under ReadsGate: past its end, so no takeover may move the end on any more
        private readonly CancellationTokenSource _bound = new();
        private Task<IReadOnlyDictionary<(string Run, string Key), (long Seq, long At)>?> _result = null!;

        private TailRead(string name, long fromSeconds, long untilMicros) => (_name, _fromSeconds, _untilMicros) = (name, fromSeconds, untilMicros);

        /// <summary>The read of <paramref name="stream"/> this takeover joins or starts: every run's last record per key.</summary>
        public static Task<IReadOnlyDictionary<(string Run, string Key), (long Seq, long At)>?> Join(KisGatewayOptions options, string stream,
            long fromSeconds, long untilMicros)
        {
            var name = options.Endpoint.DisplayUri + " " + stream;
            lock (ReadsGate)
            {
                // Joined only when it reads far enough back and on far enough for this takeover's previous run: a read that
                // ended already serves a takeover whose end it passed, and no other.
                if (Reads.TryGetValue(name, out var running) && running._fromSeconds <= fromSeconds
                    && (!running._ended || untilMicros <= running._untilMicros))
                {
                    if (untilMicros > running._untilMicros) Volatile.Write(ref running._untilMicros, untilMicros);
                    return running._result;
                }
                var read = new TailRead(name, fromSeconds, untilMicros);
                Reads[name] = read; // the newest read of a stream is the one later takeovers join
                read._result = Task.Run(() => read.RunAsync(options, stream));
                return read._result;
            }
        }

        private async Task<IReadOnlyDictionary<(string Run, string Key), (long Seq, long At)>?> RunAsync(KisGatewayOptions options, string stream)
        {
            try
            {
                _bound.CancelAfter(ReadBound);
                await using var connection = await options.Endpoint.CreateFactory("kisrt-gateway-tail").CreateConnectionAsync(_bound.Token)
                    .ConfigureAwait(false);
                return await ReadTrAsync(connection, stream, new AmqpTimestamp(_fromSeconds), EndsAt, _bound.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException)
            {
                return null; // bounded or the broker went: the announcements say what the checkpoints say
            }
            finally
            {
                lock (ReadsGate)
                {
                    _ended = true;
                    if (Reads.TryGetValue(_name, out var current) && current == this) Reads.Remove(_name);
                }
                _bound.Dispose();
            }
        }

        /// <summary>Whether a record received at <paramref name="receivedAtMicros"/> ends the read (then no takeover joins it
        /// to move the end on); decided under the lock joiners take.</summary>
        private bool EndsAt(long receivedAtMicros)
        {
            if (receivedAtMicros <= Volatile.Read(ref _untilMicros)) return false;
            lock (ReadsGate)
            {
                if (receivedAtMicros <= _untilMicros) return false;
                _ended = true;
                return true;
            }
        }
    }
}
