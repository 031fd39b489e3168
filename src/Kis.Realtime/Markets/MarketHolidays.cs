using System.Globalization;

namespace Kis.Realtime;

/// <summary>
/// Exchange holidays and days of changed hours, as data (the table ships in the library: Markets/holidays.csv, with its
/// source and date; docs/bars.md, "Holidays"). Every <see cref="MarketCalendar"/> of an exchange reads it: KRX's
/// (XKRX: stocks, NXT, unified, indices, bonds, derivatives) and the NYSE's (XNYS: US stocks). A year the table does not
/// hold trades on every weekday: add it with <see cref="Add"/>.
/// </summary>
public static class MarketHolidays
{
    private static readonly Lock Gate = new(); // one writer at a time; readers take the snapshot without it
    private static Dictionary<(string Exchange, int Day), Entry> _table = Load();

    /// <summary>
    /// Adds or replaces rows in the format of the shipped table: <c>exchange,date,kind,open_delay_minutes,close_delay_minutes,name</c>
    /// (kind <c>closed</c>, or <c>hours</c> with the delays; lines starting with <c>#</c> are comments), e.g.
    /// <c>XKRX,2028-01-03,hours,60,0,first trading day of the year</c>. Calendars see the rows at once.
    /// </summary>
    /// <exception cref="FormatException">A line is not a row (the message names its line number).</exception>
    public static void Add(TextReader rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var parsed = Parse(rows);
        lock (Gate)
        {
            var next = new Dictionary<(string, int), Entry>(Volatile.Read(ref _table));
            foreach (var (key, entry) in parsed) next[key] = entry;
            Volatile.Write(ref _table, next);
        }
    }

    /// <summary>True when <paramref name="exchange"/> (XKRX, XNYS) holds no session on <paramref name="day"/> by the table.</summary>
    public static bool IsClosed(string exchange, DateOnly day) => IsClosed(exchange, day.DayNumber);

    /// <summary>The name the table gives <paramref name="day"/> on <paramref name="exchange"/> (a holiday or changed hours); null for an ordinary
    /// day.</summary>
    public static string? NameOf(string exchange, DateOnly day) =>
        Volatile.Read(ref _table).TryGetValue((exchange, day.DayNumber), out var entry) ? entry.Name : null;

    internal static bool IsClosed(string exchange, int day) =>
        Volatile.Read(ref _table).TryGetValue((exchange, day), out var entry) && entry.Closed;

    /// <summary>How much later (negative: earlier) the first sessions open and the last ones close on <paramref name="day"/>.</summary>
    internal static (TimeSpan Open, TimeSpan Close) HoursShift(string exchange, int day) =>
        Volatile.Read(ref _table).TryGetValue((exchange, day), out var entry) && !entry.Closed ? (entry.OpenDelay, entry.CloseDelay) : default;

    private static Dictionary<(string, int), Entry> Load()
    {
        using var stream = typeof(MarketHolidays).Assembly.GetManifestResourceStream("Kis.Realtime.Markets.holidays.csv")
            ?? throw new InvalidOperationException("The holiday table (Markets/holidays.csv) is not embedded in the library.");
        using var reader = new StreamReader(stream);
        return Parse(reader).ToDictionary(p => p.Key, p => p.Value);
    }

    private static List<KeyValuePair<(string, int), Entry>> Parse(TextReader reader)
    {
        var rows = new List<KeyValuePair<(string, int), Entry>>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var cells = line.Split(',', 6);
            if (cells.Length != 6 || cells[0].Length == 0
                || !DateOnly.TryParseExact(cells[1], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                throw new FormatException($"Holiday table line {number}: not 'exchange,yyyy-MM-dd,closed|hours,open_delay_minutes,close_delay_minutes,name'.");
            var entry = cells[2] switch
            {
                "closed" => new Entry(true, default, default, cells[5]),
                "hours" when int.TryParse(cells[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var open)
                    && int.TryParse(cells[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var close)
                    => new Entry(false, TimeSpan.FromMinutes(open), TimeSpan.FromMinutes(close), cells[5]),
                _ => throw new FormatException($"Holiday table line {number}: kind must be 'closed' or 'hours' with two whole minute counts."),
            };
            rows.Add(new((cells[0], date.DayNumber), entry));
        }
        return rows;
    }

    private readonly record struct Entry(bool Closed, TimeSpan OpenDelay, TimeSpan CloseDelay, string Name);
}
