using Kis.Realtime.Protocol;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// <c>kisrt record --count N</c>: passes the raw tap's messages on until the data frames passed carry N records, then
/// holds back every later data frame (counted, said in the summary). KIS packs several records into one message
/// (<c>0|H0STCNT0|003|…</c>) and raw.log keeps messages whole, byte for byte, so the message that reaches N is kept
/// whole: the recording ends with N records, or up to that message's records − 1 more. Control messages (replies,
/// PINGPONG) always pass, so raw.log still holds the unsubscribe replies.
/// </summary>
/// <remarks>Applied where the tap is drained, before the writers' queues: files and PostgreSQL get the same messages.</remarks>
internal sealed class RecordCountLimit(long limit, Action reached)
{
    private long _passedRecords, _heldMessages, _heldRecords; // one reader: the drain task; read after it ended

    public long Limit => limit;
    public long PassedRecords => Interlocked.Read(ref _passedRecords);
    public long HeldMessages => Interlocked.Read(ref _heldMessages);
    public long HeldRecords => Interlocked.Read(ref _heldRecords);

    public IAsyncEnumerator<RawMessage> Apply(IAsyncEnumerator<RawMessage> raw) => Filter(raw).GetAsyncEnumerator();

    private async IAsyncEnumerable<RawMessage> Filter(IAsyncEnumerator<RawMessage> raw)
    {
        await using (raw.ConfigureAwait(false))
            while (await raw.MoveNextAsync().ConfigureAwait(false))
            {
                var message = raw.Current;
                var records = RecordsIn(message.Data.Span);
                if (records == 0)
                {
                    yield return message; // a control message, or one that does not parse (the writers count it)
                    continue;
                }
                if (PassedRecords >= limit)
                {
                    Interlocked.Increment(ref _heldMessages);
                    Interlocked.Add(ref _heldRecords, records);
                    continue;
                }
                if (Interlocked.Add(ref _passedRecords, records) >= limit) reached();
                yield return message;
            }
    }

    private static int RecordsIn(ReadOnlySpan<byte> message) =>
        DataFrame.Classify(message) == MessageKind.Data && DataFrame.TryParse(message, out var frame, out _) ? frame.RecordCount : 0;

    /// <summary>The summary's line: where the count stopped and what came after it, not recorded.</summary>
    public string Describe()
    {
        var line = $"--count {limit:N0}: stopped at the message that reached it ({PassedRecords:N0} records";
        line += PassedRecords > limit ? "; a KIS message can carry several records and raw.log keeps each whole)" : ")";
        if (HeldMessages > 0) line += $"; not recorded: {HeldRecords:N0} records in {HeldMessages:N0} messages received after it";
        return line;
    }
}
