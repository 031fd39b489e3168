namespace Kis.Realtime;

// Two TRs in one aggregator (KRX and NXT trades of one stock): while one TR's records wait behind a hole, the other TR's
// trades must not move time on past them and close their bar, else those records, released later, would be late and go
// into no bar. A record that continues its tape therefore waits on while another TR's lowest waiting record belongs to an
// earlier time or day bar, up to its own window (then it goes on as any record whose window ended).
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private readonly List<int> _otherWaiting = [];

    // Another TR's lowest waiting record (not one behind its tape: its bar is decided already) lies in a bar before p's.
    private bool WaitsForOtherTr(in Pending p)
    {
        if (_kind > BarKind.Day || _waitingOfTr[p.Tr] == PendingCount) return false;
        for (var other = 0; other < MaxTrs; other++)
        {
            if (other == p.Tr || _waitingOfTr[other] == 0 || _tapeOrder[other] is not { Count: > 0 } order) continue;
            _otherWaiting.Clear();
            order.CollectLowest(_otherWaiting);
            foreach (var id in _otherWaiting)
            {
                _reorderSteps++;
                ref readonly var q = ref _slots[id];
                if (!q.Behind && InEarlierBar(q.Day, q.Local, p.Day, p.Local)) return true;
            }
        }
        return false;
    }

    private bool InEarlierBar(int day, long local, int laterDay, long laterLocal) =>
        day != laterDay ? day < laterDay : _kind == BarKind.Time && local - local % _interval < laterLocal - laterLocal % _interval;
}
