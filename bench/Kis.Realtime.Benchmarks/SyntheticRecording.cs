using System.Buffers;
using System.Globalization;
using System.Text;
using Kis.Realtime.Formatting;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Writes <c>kisrt record</c> folders (DIR/yyyy-MM-dd/raw.log) of made-up but well-formed KIS frames, for the replay
/// benchmark and tests (linked into the test project). Values vary with a record number so records differ.
/// </summary>
internal sealed class SyntheticRecording : IDisposable
{
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private readonly Dictionary<DateOnly, Stream> _days = new();
    private readonly string _directory;

    public SyntheticRecording(string directory) => _directory = directory;

    /// <summary>One record of <paramref name="tr"/> for <paramref name="key"/>: every field a valid value of its type.</summary>
    public static byte[] Record(TrDefinition tr, string key, int n)
    {
        var fields = new string[tr.Fields.Count];
        for (var i = 0; i < fields.Length; i++)
            fields[i] = i == tr.KeyField ? key : tr.Fields[i].Type switch
            {
                FieldType.Time => (93000 + n % 30).ToString("000000", CultureInfo.InvariantCulture),
                FieldType.Date => "20261123",
                FieldType.Integer or FieldType.Decimal => (1000 + n % 997).ToString(CultureInfo.InvariantCulture),
                _ => (1 + n % 5).ToString(CultureInfo.InvariantCulture), // a digit: sign and kind codes are digits
            };
        return Encoding.ASCII.GetBytes(string.Join('^', fields));
    }

    /// <summary>A plain data frame holding <paramref name="records"/>.</summary>
    public static byte[] Frame(TrDefinition tr, params byte[][] records) =>
        [.. Encoding.ASCII.GetBytes($"0|{tr.Id}|{records.Length:000}|"),
            .. string.Join("^", records.Select(r => Encoding.ASCII.GetString(r))).Select(c => (byte)c)];

    /// <summary>
    /// The replay benchmark's recording: <paramref name="trades"/> H0STCNT0 frames of one 005930 record, 100 ticks
    /// apart, plus an H0UPCNT0 frame (another subscription's TR, read and skipped) after every tenth. The trades continue
    /// one another (each acml_vol is the last one plus its cntg_vol), as a healthy feed's do: gap detection finds
    /// nothing to report, which is the cost a replay pays on every ordinary record.
    /// </summary>
    public static void WriteTradesAndTicks(string directory, int trades)
    {
        using var recording = new SyntheticRecording(directory);
        var start = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        var tr = Kis.Realtime.KisTrs.StockTrades;
        var fields = Encoding.ASCII.GetString(Record(tr, "005930", 1)).Split('^');
        int volumeField = tr.IndexOf("cntg_vol"), accumulatedField = tr.IndexOf("acml_vol");
        var tick = Frame(Kis.Realtime.KisTrs.IndexTicks, Record(Kis.Realtime.KisTrs.IndexTicks, "0001", 1));
        long accumulated = 0;
        for (var i = 0; i < trades; i++)
        {
            var volume = 1 + i % 17;
            accumulated += volume;
            fields[volumeField] = volume.ToString(CultureInfo.InvariantCulture);
            fields[accumulatedField] = accumulated.ToString(CultureInfo.InvariantCulture);
            recording.Add(start.AddTicks(i * 100L), Frame(tr, Encoding.ASCII.GetBytes(string.Join('^', fields))));
            if (i % 10 == 0) recording.Add(start.AddTicks(i * 100L + 1), tick);
        }
    }

    /// <summary>Trading days <see cref="WriteMarketDays"/> writes (KST 2026-11-23 onwards, one folder a day).</summary>
    public const int MarketDays = 3;
    /// <summary>Trade frames of 005930 a day; every 20th holds 3 records (KIS batches records when busy).</summary>
    public const int MarketTradeFramesPerDay = 200_000;
    /// <summary>Stock trades of 005930 in <see cref="WriteMarketDays"/>' folder.</summary>
    public const int MarketTrades = MarketDays * (MarketTradeFramesPerDay + MarketTradeFramesPerDay / 20 * 2);
    /// <summary>Order books of 005930 in <see cref="WriteMarketDays"/>' folder (one a trade frame).</summary>
    public const int MarketBooks = MarketDays * MarketTradeFramesPerDay;

    /// <summary>
    /// A recording as a day of one stock's session gives it: per KST trading day (three days, three files), the
    /// subscribe replies, then 005930's trades (H0STCNT0; every 20th frame holds three records) each followed by an
    /// order book (H0STASP0), an index tick (H0UPCNT0, another subscription's) after every tenth and a PINGPONG after
    /// every 10,000th, spread over 09:00–15:30 KST. The trades continue one another within a day (date, time, volume and
    /// cumulative volume as KIS sends them), so gap detection checks every one and reports nothing.
    /// </summary>
    public static void WriteMarketDays(string directory)
    {
        using var recording = new SyntheticRecording(directory);
        TrDefinition trades = Kis.Realtime.KisTrs.StockTrades, books = Kis.Realtime.KisTrs.StockOrderBooks, ticks = Kis.Realtime.KisTrs.IndexTicks;
        var tradeFields = Encoding.ASCII.GetString(Record(trades, "005930", 1)).Split('^');
        int timeField = trades.IndexOf("stck_cntg_hour"), dateField = trades.IndexOf("bsop_date"), priceField = trades.IndexOf("stck_prpr");
        int volumeField = trades.IndexOf("cntg_vol"), accumulatedField = trades.IndexOf("acml_vol");
        var session = TimeSpan.FromHours(6.5).Ticks / MarketTradeFramesPerDay;
        for (var d = 0; d < MarketDays; d++)
        {
            var day = new DateOnly(2026, 11, 23).AddDays(d);
            var open = new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 0)), Kis.Realtime.KoreaTime.Offset);
            tradeFields[dateField] = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            foreach (var tr in new[] { trades, books })
                recording.Add(open.AddMinutes(-10), Encoding.ASCII.GetBytes(
                    $$$$"""{"header":{"tr_id":"{{{{tr.Id}}}}","tr_key":"005930","encrypt":"N"},"body":{"rt_cd":"0","msg_cd":"OPSP0000","msg1":"SUBSCRIBE """ +
                    $$$$"""SUCCESS","output":{"iv":"0123456789abcdef","key":"abcdefghijklmnopqrstuvwxyz012345"}}}"""));
            long accumulated = 0;
            for (var i = 0; i < MarketTradeFramesPerDay; i++)
            {
                var at = open.AddTicks(i * session);
                var records = new byte[i % 20 == 19 ? 3 : 1][];
                for (var r = 0; r < records.Length; r++)
                {
                    var n = i * 3 + r;
                    var volume = 1 + n % 37;
                    accumulated += volume;
                    tradeFields[timeField] = at.ToOffset(Kis.Realtime.KoreaTime.Offset).ToString("HHmmss", CultureInfo.InvariantCulture);
                    tradeFields[priceField] = (71_000 + n % 50 * 100).ToString(CultureInfo.InvariantCulture);
                    tradeFields[volumeField] = volume.ToString(CultureInfo.InvariantCulture);
                    tradeFields[accumulatedField] = accumulated.ToString(CultureInfo.InvariantCulture);
                    records[r] = Encoding.ASCII.GetBytes(string.Join('^', tradeFields));
                }
                recording.Add(at, Frame(trades, records));
                recording.Add(at.AddTicks(1), Frame(books, BookAt(books, i, tradeFields[timeField])));
                if (i % 10 == 0) recording.Add(at.AddTicks(2), Frame(ticks, Record(ticks, "0001", i)));
                if (i % 10_000 == 0)
                    recording.Add(at.AddTicks(3), Encoding.ASCII.GetBytes(
                        $$$"""{"header":{"tr_id":"PINGPONG","datetime":"{{{at.ToOffset(Kis.Realtime.KoreaTime.Offset):yyyyMMddHHmmss}}}"}}"""));
            }
        }
    }

    /// <summary>
    /// A backtest's day (tests and the backtest benchmark): 005930's KRX trades (H0STCNT0; a seeded random walk on the
    /// 100 KRW tick grid from 70,000, buyer- or seller-initiated, cumulative volume continuing) each followed by the
    /// book it left (H0STASP0, ten levels a side), from 09:00 KST 2026-11-23, one trade every
    /// <paramref name="interval"/> (500 ms by default). The same seed gives the same folder.
    /// </summary>
    public static string WriteTradingDay(string directory, int trades, int seed = 7, long start = 70_000, TimeSpan? interval = null)
    {
        var random = new Random(seed);
        using var recording = new SyntheticRecording(directory);
        TrDefinition tradeTr = Kis.Realtime.KisTrs.H0STCNT0, bookTr = Kis.Realtime.KisTrs.H0STASP0;
        var tradeFields = Encoding.ASCII.GetString(Record(tradeTr, "005930", 1)).Split('^');
        var bookFields = Encoding.ASCII.GetString(Record(bookTr, "005930", 1)).Split('^');
        var open = new DateTimeOffset(2026, 11, 23, 9, 0, 0, Kis.Realtime.KoreaTime.Offset);
        const long tick = 100, previousClose = 70_000;
        var price = start;
        long accumulated = 0;
        for (var i = 0; i < trades; i++)
        {
            var at = open + (interval ?? TimeSpan.FromMilliseconds(500)) * i;
            var step = random.Next(3) - 1;
            // Reflected at 5 % from the previous close: a large stock's day, well inside KRX's ±30 % limits.
            if (Math.Abs(price + step * tick - previousClose) > previousClose / 20) step = -step;
            price += step * tick;
            var buyer = step > 0 || (step == 0 && random.Next(2) == 0);
            var volume = 1 + random.Next(50);
            accumulated += volume;
            var time = at.ToString("HHmmss", CultureInfo.InvariantCulture);
            void Trade(string name, string value) => tradeFields[tradeTr.IndexOf(name)] = value;
            Trade("stck_cntg_hour", time);
            Trade("bsop_date", "20261123");
            Trade("stck_prpr", Text(price));
            Trade("prdy_vrss", Text(price - previousClose));
            Trade("prdy_vrss_sign", price >= previousClose ? "2" : "5");
            Trade("cntg_vol", Text(volume));
            Trade("acml_vol", Text(accumulated));
            Trade("ccld_dvsn", buyer ? "1" : "5");
            Trade("askp1", Text(price + tick));
            Trade("bidp1", Text(price));
            recording.Add(at, Frame(tradeTr, Encoding.ASCII.GetBytes(string.Join('^', tradeFields))));
            void Book(string name, string value) => bookFields[bookTr.IndexOf(name)] = value;
            Book("bsop_hour", time);
            Book("hour_cls_code", "0"); // KRX's continuous session, as KIS marks its books (not a call's: KrxCalls)
            for (var level = 1; level <= 10; level++)
            {
                Book($"askp{level}", Text(price + tick * level));
                Book($"bidp{level}", Text(price - tick * (level - 1)));
                Book($"askp_rsqn{level}", Text(50 + random.Next(250)));
                Book($"bidp_rsqn{level}", Text(50 + random.Next(250)));
            }
            recording.Add(at.AddTicks(1), Frame(bookTr, Encoding.ASCII.GetBytes(string.Join('^', bookFields))));
        }
        return directory;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Book <paramref name="n"/> of <see cref="WriteMarketDays"/>, stamped (bsop_hour) with its trade's time, as KRX stamps it.</summary>
    private static byte[] BookAt(TrDefinition books, int n, string hhmmss)
    {
        var fields = Encoding.ASCII.GetString(Record(books, "005930", n)).Split('^');
        fields[books.IndexOf("bsop_hour")] = hhmmss;
        return Encoding.ASCII.GetBytes(string.Join('^', fields));
    }

    /// <summary>Appends one message received at <paramref name="at"/> to its trading day's raw.log.</summary>
    public void Add(DateTimeOffset at, ReadOnlySpan<byte> message)
    {
        var day = KoreaTime.DateOf(at);
        if (!_days.TryGetValue(day, out var stream))
        {
            var folder = Path.Combine(_directory, day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            _days[day] = stream = new FileStream(Path.Combine(folder, "raw.log"), FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
        }
        _line.ResetWrittenCount();
        RawMessageLine.Write(_line, at, message);
        stream.Write(_line.WrittenSpan);
    }

    public void Dispose()
    {
        foreach (var stream in _days.Values) stream.Dispose();
        _days.Clear();
    }
}
