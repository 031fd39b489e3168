using System.Text;
using Kis.Realtime.Session;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime.Tests.Client;

/// <summary>
/// Issue 72, finding 1: a relay's planned stop releases each feed with a drain (the records KIS sent before its answer
/// are still read). The last consumer moves from the registration's subscribers to its drain while the receive loop
/// routes records on another thread: every record routed meanwhile must reach that consumer exactly once. Two fields
/// written one after the other let a record routed between the writes reach nobody (a gateway then numbered the next
/// record consecutively: 204 shares missing between seqs 134 and 135 of a clean stop, no gap announced) or reach the
/// consumer twice.
/// </summary>
public sealed class DrainHandOverTests
{
    private const int Rounds = 3_000;

    [Fact]
    public async Task Every_record_routed_while_the_last_consumer_hands_over_to_the_drain_reaches_it_exactly_once()
    {
        var tr = KisTrs.IndexTicks;
        var message = Encoding.ASCII.GetBytes($"0|{tr.Id}|001|0001^" + string.Join('^', Enumerable.Repeat("1", tr.Fields.Count - 1)));
        var events = new SessionEvents(NullLogger.Instance, _ => { }, _ => { });
        var shared = new ClientShared(TimeProvider.System, NullLogger.Instance, null, events, 16, KisFullMode.Wait);
        var stamp = new MessageStamp(0, DateTimeOffset.UnixEpoch, 0);
        var wrong = new List<string>();
        for (var round = 0; round < Rounds && wrong.Count < 5; round++)
        {
            var table = new TrKeyRegistrationTable(41);
            var consumer = new RecordLocalSubscriber(tr, "0001", 1 << 20, KisFullMode.Wait, shared, null);
            var registration = table.Add(consumer, out _);
            Assert.True(table.TryBeginSubscribe(registration, 1));
            Assert.Equal(AcceptOutcome.Active, table.Accept(registration, 1));
            using var router = new FrameRouter(0, table, null!, shared); // data frames only: no request is answered

            int started = 0, removed = 0;
            var remover = Task.Factory.StartNew(() =>
            {
                Volatile.Write(ref started, 1);
                Assert.Same(registration, table.Remove(consumer, drain: true));
                Volatile.Write(ref removed, 1);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var spin = new SpinWait();
            while (Volatile.Read(ref started) == 0 && !remover.IsCompleted) spin.SpinOnce();
            // Routed while the hand-over happens on the other thread, and once after it (the drain goes on until KIS answers).
            var routed = 0;
            do
            {
                router.Handle(message, stamp);
                routed++;
            } while (Volatile.Read(ref removed) == 0 && !remover.IsCompleted);
            router.Handle(message, stamp);
            routed++;
            await remover;

            var delivered = consumer.Reader.Count;
            if (delivered != routed) wrong.Add($"round {round}: {routed} records routed, {delivered} delivered");
        }
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }
}
