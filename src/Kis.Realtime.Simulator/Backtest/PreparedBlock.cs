using System.Runtime.CompilerServices;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// A block of recorded messages with the work that depends on nothing but their bytes already done
/// (<see cref="Prepare"/>): each data frame parsed and split into records with their TR and key; a KRX trade's field
/// ends, its four venue fields and its typed <see cref="Realtime.StockTrade"/>; a KRX book's levels and whether KIS marks
/// it a call's; each record's market stamp (<see cref="MarketStamp"/>). <see cref="BacktestPreparation"/> does this on a
/// thread of its own while the driver steps through the block before, so the driver's thread keeps only what depends on
/// the run's state. Pure work: a run gives the same files whichever thread prepared its blocks.
/// </summary>
internal sealed class PreparedBlock
{
    /// <summary>Messages a block holds before it is handed on.</summary>
    public const int MessageCapacity = 2048;

    /// <summary>How a message reached the block.</summary>
    public enum Kind : byte
    {
        /// <summary>Nothing for the driver (a control message, an encrypted notice of the recording's account).</summary>
        Skip,
        /// <summary>A stored record (<see cref="RecordedMessage.IsStoredRecord"/>): one record, its TR by id.</summary>
        Stored,
        /// <summary>A plain data frame: its records follow.</summary>
        Frame,
        /// <summary>A data frame that does not decode (counted with its place, never passed over).</summary>
        Undecodable,
    }

    private byte[] _data = new byte[1024 * 1024];
    private int _used;

    // A message each.
    private readonly RecordedMessage[] _messages = new RecordedMessage[MessageCapacity];
    private readonly Kind[] _kinds = new Kind[MessageCapacity];
    private readonly int[] _firstRecord = new int[MessageCapacity], _recordCount = new int[MessageCapacity];
    private readonly DecodeError[] _errors = new DecodeError[MessageCapacity];
    private readonly TrDefinition?[] _errorTrs = new TrDefinition?[MessageCapacity];

    // A record each (a frame holds one or more).
    private PreparedRecord[] _records = new PreparedRecord[MessageCapacity];
    private int _recordsUsed;

    // A KRX trade each.
    private int[] _tradeEnds = new int[MessageCapacity * TradeFields.EndsRead];
    private TradeFields.Values[] _tradeValues = new TradeFields.Values[MessageCapacity];
    private StockTrade[] _trades = new StockTrade[MessageCapacity];
    private bool[] _tradeDecoded = new bool[MessageCapacity];
    private int _tradesUsed;

    // A KRX book each: its levels, best first.
    private const int Levels = OrderBookLevels.MaxDepth;
    private BookLevel[] _levels = new BookLevel[MessageCapacity * 2 * Levels];
    private int[] _levelCounts = new int[MessageCapacity * 2];
    private bool[] _bookDecoded = new bool[MessageCapacity], _callBook = new bool[MessageCapacity];
    private int _booksUsed;

    private readonly FrameDecoder _decoder = new(); // plain frames only: no keys, no state between messages

    public int Count { get; private set; }

    /// <summary>Message <paramref name="index"/> (its bytes the block's own copy).</summary>
    public ref readonly RecordedMessage Message(int index) => ref _messages[index];

    public Kind KindOf(int index) => _kinds[index];

    /// <summary>Why an <see cref="Kind.Undecodable"/> message does not decode, and its TR when known.</summary>
    public (DecodeError Error, TrDefinition? Tr) ErrorOf(int index) => (_errors[index], _errorTrs[index]);

    /// <summary>The records of message <paramref name="index"/> (none unless <see cref="Kind.Stored"/> or <see cref="Kind.Frame"/>).</summary>
    public ReadOnlySpan<PreparedRecord> RecordsOf(int index) => _records.AsSpan(_firstRecord[index], _recordCount[index]);

    public ReadOnlySpan<byte> Bytes(in PreparedRecord record) => _data.AsSpan(record.Start, record.Length);

    public ReadOnlySpan<byte> Key(in PreparedRecord record) => _data.AsSpan(record.KeyStart, record.KeyLength);

    /// <summary>A trade's field ends (as many as found, up to <see cref="TradeFields.EndsRead"/>).</summary>
    public ReadOnlySpan<int> TradeEnds(in PreparedRecord record) =>
        _tradeEnds.AsSpan(record.Trade * TradeFields.EndsRead, record.TradeEndCount);

    public ref readonly TradeFields.Values TradeValues(in PreparedRecord record) => ref _tradeValues[record.Trade];

    /// <summary>A trade's typed value, when it decoded (<paramref name="decoded"/>; else a null reference), by reference:
    /// a StockTrade is about 500 bytes.</summary>
    public ref readonly StockTrade Trade(in PreparedRecord record, out bool decoded)
    {
        decoded = record.Trade >= 0 && _tradeDecoded[record.Trade];
        return ref decoded ? ref _trades[record.Trade] : ref Unsafe.NullRef<StockTrade>();
    }

    /// <summary>A book's decoded levels (false: it did not decode, the venue keeps the levels it had).</summary>
    public bool TryGetBook(in PreparedRecord record, out ReadOnlySpan<BookLevel> asks, out ReadOnlySpan<BookLevel> bids)
    {
        asks = bids = default;
        if (record.Book < 0 || !_bookDecoded[record.Book]) return false;
        asks = _levels.AsSpan(record.Book * 2 * Levels, _levelCounts[record.Book * 2]);
        bids = _levels.AsSpan((record.Book * 2 + 1) * Levels, _levelCounts[record.Book * 2 + 1]);
        return true;
    }

    /// <summary>Whether KIS marks a book as a call's (<see cref="KrxCalls.IsCallCode"/>; its time is the driver's to judge, on
    /// the market's clock).</summary>
    public bool IsCallBook(in PreparedRecord record) => record.Book >= 0 && _callBook[record.Book];

    public bool IsFull => Count == MessageCapacity;

    public void Clear()
    {
        Count = _used = _recordsUsed = _tradesUsed = _booksUsed = 0;
        Array.Clear(_messages); // the sources' file names are not kept alive
    }

    /// <summary>Adds <paramref name="message"/> (its bytes copied) with its pure work done. The block must not be full.</summary>
    public void Prepare(in RecordedMessage message)
    {
        var index = Count++;
        var data = Copy(message.Data.Span);
        _messages[index] = message with { Data = _data.AsMemory(data, message.Data.Length) };
        var bytes = _data.AsSpan(data, message.Data.Length);
        _firstRecord[index] = _recordsUsed;
        _recordCount[index] = 0;
        _kinds[index] = Kind.Skip;
        if (message.IsStoredRecord)
        {
            if (message.TrId is not { } id || !KisTrs.TryGet(id, out var storedTr)) return;
            _kinds[index] = Kind.Stored;
            AddRecord(storedTr, bytes, data);
            _recordCount[index] = 1;
            return;
        }
        if (DataFrame.Classify(bytes) != MessageKind.Data) return;
        // Recorded notices (encrypted) were the recording account's: the strategy hears the backtest venue's own.
        if (!DataFrame.TryParse(bytes, out var frame, out var error)) Undecodable(index, error, null);
        else if (!frame.Encrypted)
        {
            if (!_decoder.TryOpen(frame, out var tr, out var records, out error)) Undecodable(index, error, tr); // tr: null when unknown
            else
            {
                _kinds[index] = Kind.Frame;
                while (records.TryNext(out var record))
                {
                    bytes.Overlaps(record, out var offset);
                    AddRecord(tr, record, data + offset);
                    _recordCount[index]++;
                }
            }
        }
    }

    private void Undecodable(int index, DecodeError error, TrDefinition? tr) =>
        (_kinds[index], _errors[index], _errorTrs[index]) = (Kind.Undecodable, error, tr);

    private int Copy(ReadOnlySpan<byte> bytes)
    {
        if (_data.Length - _used < bytes.Length) Array.Resize(ref _data, Math.Max(_data.Length * 2, _used + bytes.Length));
        bytes.CopyTo(_data.AsSpan(_used));
        var start = _used;
        _used += bytes.Length;
        return start;
    }

    private void AddRecord(TrDefinition tr, ReadOnlySpan<byte> record, int start)
    {
        if (_recordsUsed == _records.Length) Array.Resize(ref _records, _records.Length * 2);
        ref var prepared = ref _records[_recordsUsed++];
        prepared = new PreparedRecord { Tr = tr, Start = start, Length = record.Length, KeyStart = start, Trade = -1, Book = -1, Stamp = MarketStamp.None };
        if (tr.KeyField >= 0 && FieldReader.FieldAt(record, tr.KeyField) is { IsEmpty: false } key && record.Overlaps(key, out var keyOffset))
            (prepared.KeyStart, prepared.KeyLength) = (start + keyOffset, key.Length);
        if (ReferenceEquals(tr, KisTrs.H0STCNT0)) PrepareTrade(ref prepared, record);
        else
        {
            prepared.Stamp = MarketStamp.Of(tr, record);
            if (ReferenceEquals(tr, KisTrs.H0STASP0)) PrepareBook(ref prepared, tr, record);
        }
    }

    private void PrepareTrade(ref PreparedRecord prepared, ReadOnlySpan<byte> record)
    {
        if (_tradesUsed == _tradeValues.Length)
        {
            var grown = _tradeValues.Length * 2;
            Array.Resize(ref _tradeValues, grown);
            Array.Resize(ref _trades, grown);
            Array.Resize(ref _tradeDecoded, grown);
            Array.Resize(ref _tradeEnds, grown * TradeFields.EndsRead);
        }
        var trade = prepared.Trade = _tradesUsed++;
        var ends = _tradeEnds.AsSpan(trade * TradeFields.EndsRead, TradeFields.EndsRead);
        prepared.TradeEndCount = FieldSeparators.FieldEnds(record, ends);
        _tradeValues[trade] = TradeFields.Read(record, ends[..prepared.TradeEndCount]);
        prepared.Stamp = MarketStamp.OfTrade(record, ends[..prepared.TradeEndCount]);
        _tradeDecoded[trade] = StockTrade.TryDecode(prepared.Tr, record, out _trades[trade], out _);
    }

    private void PrepareBook(ref PreparedRecord prepared, TrDefinition tr, ReadOnlySpan<byte> record)
    {
        if (_booksUsed == _bookDecoded.Length)
        {
            var grown = _bookDecoded.Length * 2;
            Array.Resize(ref _bookDecoded, grown);
            Array.Resize(ref _callBook, grown);
            Array.Resize(ref _levelCounts, grown * 2);
            Array.Resize(ref _levels, grown * 2 * Levels);
        }
        var book = prepared.Book = _booksUsed++;
        _callBook[book] = KrxCalls.IsCallCode(tr, record);
        _bookDecoded[book] = StockBookLevels.TryDecode(tr, record,
            _levels.AsSpan(book * 2 * Levels, Levels), out _levelCounts[book * 2],
            _levels.AsSpan((book * 2 + 1) * Levels, Levels), out _levelCounts[book * 2 + 1]);
    }
}

/// <summary>A record of a <see cref="PreparedBlock"/>: its TR, where its bytes and key lie, and its trade or book slot (-1: none).</summary>
internal struct PreparedRecord
{
    public TrDefinition Tr;
    public int Start, Length, KeyStart, KeyLength;
    public int Trade, TradeEndCount, Book;
    /// <summary>The exchange's time the record carries (<see cref="MarketStamp.None"/>: none).</summary>
    public MarketStamp Stamp;
}
