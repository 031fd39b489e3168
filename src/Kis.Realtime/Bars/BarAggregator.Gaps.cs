using Kis.Realtime.Internal;

namespace Kis.Realtime;

public sealed partial class BarAggregator<TTrade, TAccessor>
{
    // Each TR's tape and the gaps open in it (Internal/Tapes).
    private readonly Tapes _tape = new();

    /// <summary>Trades not added because the same trade (acml_vol, volume, price and stamp) was added before (repeated records).</summary>
    public long DuplicateTrades => _tape.DuplicateTrades;

    // The tape's check of a record, and the reports it leads to: a record contradicting the tape, or one whose own
    // volume exceeds the step it brings (barVolume: the step its bar takes).
    private VolumeCheck CheckVolume(in TradeFacts trade, long local, long utc, int day, long accumulated, out long openGap, out long barVolume)
    {
        var check = _tape.Check(trade, local, day, accumulated, _seeded.Waiting, out openGap, out barVolume);
        if (check == VolumeCheck.Corrupt)
            _corrupt.NoteRecord(new PendingTrade { Utc = utc, Local = local, Accumulated = accumulated, Volume = trade.Volume, Tr = trade.Tr, Day = day },
                null, inBar: false, _tape, _calendar!);
        else if (barVolume < trade.Volume)
            _corrupt.NoteVolume(_tape.Ids[trade.Tr]!, local, utc, accumulated, trade.Volume, barVolume, _calendar!);
        return check;
    }

    // A late trade (VolumeCheck.Late) went into a bar: a gap it filled whole no longer flags the bars around it.
    private void PlaceLate()
    {
        if (!_tape.FillLate(out var g)) return;
        if (g.Sequence == _tape.PartialGap) LiftPartial();
        if (g.FlaggedBar != FormingBarId || !_bar.TryLiftOpenGap()) _closed.LiftGap(g.FlaggedBar);
        _closed.ClearClosingGap(g.Sequence);
    }

    /// <summary>The forming bar carries the flag of open gap <paramref name="openGap"/> (a late trade filling it may lift it).</summary>
    private void FlagFormingWithOpenGap(long openGap)
    {
        if (openGap < 0)
        {
            _bar.Flag(BarFlags.Gap);
            return;
        }
        _tape.MarkFlagged(openGap, FormingBarId);
        _bar.AddOpenGap();
    }

    // A gap found on a trade the bar's sessions leave out (NXT's first after-market trade revealing a lost main-market
    // one): the trade is in no bar, so without this the gap would be counted but no bar would say so, and a regular-only
    // daily bar would look complete. The volume was lost before this trade, so the forming bar of its trading day is where
    // it went missing; with none (closed on the clock, or no trade of that day in the sessions yet) the key's next bar
    // carries the flag, as after a seed that leaves volume missing.
    private void FlagSkippedTradeGap(int day)
    {
        if (_bar.IsForming && _bar.Day == day) _bar.Flag(BarFlags.Gap);
        else _pendingFlags |= BarFlags.Gap;
    }

    // The day's volume before the first trade seen came after all: its first bar is not partial.
    private void LiftPartial()
    {
        _tape.PartialGap = 0;
        _bar.LiftPartial();
        _closed.LiftPartial();
    }
}
