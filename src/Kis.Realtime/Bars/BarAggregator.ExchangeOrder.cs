namespace Kis.Realtime;

// A bar's open and close are its first and last trade in exchange order (TapePosition), not in arrival order: a late
// trade inside a bar, forming or revised, never takes its close. Tick, volume and value bars are cut in that order too,
// so a late trade before the last trade of the last bar closed belongs to an emitted bar: in no bar, counted.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private TapePosition _first, _last;    // the forming bar's first and last trade
    private TapePosition _lastClosedLast;  // the last trade of the last bar closed
    private long _barNumber;               // tick, volume and value bars' stamps repeat (several bars a second): a number each

    // Which bar an open gap flagged: a time or day bar by its interval's start, another by its number.
    private long FormingBarId => _kind <= BarKind.Day ? _open : _barNumber;

    // What a bar takes from a trade, read once on arrival: the reorder buffer keeps this (tens of bytes, no references),
    // not the trade view. Tr: its TR's slot (-1: none checked); Value only when TAccessor.ValueIsPriceTimesVolume is false.
    private readonly record struct TradeFacts(int Tr, decimal Price, long Volume, decimal Value, TradingSessions Session);

    private void PlaceOpenAndClose(decimal price, TapePosition position)
    {
        if (_count == 0) _first = _last = position;
        else if (position.CompareTo(_first) < 0) (_o, _first) = (price, position);
        if (position.CompareTo(_last) >= 0) (_c, _last) = (price, position);
    }
}
