using Kis.Realtime.Internal;

namespace Kis.Realtime;

// A bar's open and close are its first and last trade in exchange order (TapePosition), not in arrival order: a late
// trade inside a bar, forming or revised, never takes its close. Tick, volume and value bars are cut in that order too,
// so a late trade before the last trade of the last bar closed belongs to an emitted bar: in no bar, counted.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    // Which bar an open gap flagged: a time or day bar by its interval's start, another by its number.
    private long FormingBarId => _kind <= BarKind.Day ? _bar.Open : _bar.Number;

    // A tick, volume or value bar's trade: false when it is an emitted bar's (in no bar); else the forming bar is its own
    // (a new one at a new trading day: these bars never span two).
    private bool OpenCountBar(VolumeCheck check, long t, int day, long utc, decimal price, long volume, TapePosition position,
        ref bool closed)
    {
        // Late: in exchange order it is the forming bar's only when it comes after the last trade of the last bar
        // closed; before it, it is an emitted bar's: in no bar (a later bar must not take it), counted.
        if (check == VolumeCheck.Late
            && (!(_bar.IsForming && day == _bar.Day) || (day == _closed.LastDay && position.CompareTo(_closed.LastTrade) <= 0)))
        {
            LateTrades++;
            return false;
        }
        // No acml_vol (or a TR not tracked): only its stamp places it, and one before the last closed bar's last trade
        // is that bar's: in no bar and missing, as a time bar's (UnplacedWithoutAcmlTests). One of the same second may
        // be after it: the forming bar's.
        if (position.Tr < 0 && _closed.LastTrade != default && day == _closed.LastDay && t < _closed.LastTrade.Local)
        {
            LateTrades++;
            _tape.CountUnplaced(volume);
            return false;
        }
        if (_bar.IsForming && day != _bar.Day)
        {
            CloseForming(check == VolumeCheck.Gap);
            closed = true;
        }
        if (!_bar.IsForming) Begin(t, t, t, day, _calendar!.OffsetAtUtc(utc), price);
        _bar.StretchTo(t);
        return true;
    }
}
