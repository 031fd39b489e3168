using System.Globalization;
using System.Text;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Trs;

/// <summary>
/// A record built from a TR's field table: every field gets a value of its type that no other field of the record
/// has, so a view or decoder reading the wrong position reads a wrong value. Values can be overridden by field name.
/// </summary>
internal sealed class GoldenRecord
{
    private readonly TrDefinition _tr;
    private readonly string[] _values;

    public GoldenRecord(TrDefinition tr, IReadOnlyDictionary<string, string>? overrides = null)
    {
        _tr = tr;
        _values = new string[tr.Fields.Count];
        for (var i = 0; i < _values.Length; i++) _values[i] = ValueFor(tr, i);
        if (overrides is null) return;
        foreach (var (name, value) in overrides)
        {
            var index = tr.IndexOf(name);
            if (index < 0) throw new ArgumentException($"{tr.Id} has no field {name}");
            _values[index] = value;
        }
    }

    public static string ValueFor(TrDefinition tr, int i)
    {
        var field = tr.Fields[i];
        return field.Type switch
        {
            _ when i == tr.KeyField => tr.KeyExample,
            FieldType.Text => $"T{i}",
            FieldType.Code => ((i % 5) + 1).ToString(CultureInfo.InvariantCulture),
            FieldType.Time => $"{(i / 60) % 24:D2}{i % 60:D2}{(i * 7) % 60:D2}",
            FieldType.Date => $"2026{(i % 12) + 1:D2}{(i % 28) + 1:D2}",
            FieldType.Decimal when field.ImpliedDecimals > 0 => (i * 1000 + 5).ToString("D9", CultureInfo.InvariantCulture),
            FieldType.Decimal => (i % 4 == 3 ? "-" : "") + $"{i}.{(i * 3) % 10}{(i * 7) % 10 + 1}",
            FieldType.Integer => (i % 4 == 3 ? "-" : "") + (i * 1000L + 7).ToString(CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException(field.Type.ToString()),
        };
    }

    public string this[string name] => _values[Index(name)];

    public IReadOnlyList<string> Values => _values;

    public string Record => string.Join('^', _values);

    public byte[] Bytes => Encoding.UTF8.GetBytes(Record);

    public string Frame(int count = 1) => $"0|{_tr.Id}|{count:D3}|" + string.Join('^', Enumerable.Repeat(Record, count));

    public decimal Dec(string name)
    {
        var field = _tr.Fields[Index(name)];
        Assert.True(FieldParsers.TryParseDecimal(System.Text.Encoding.ASCII.GetBytes(this[name]), field.ImpliedDecimals, out var d), name);
        return d;
    }

    public long Int(string name) => long.Parse(this[name], CultureInfo.InvariantCulture);

    public TimeOnly Time(string name) => TimeOnly.ParseExact(this[name], "HHmmss", CultureInfo.InvariantCulture);

    public DateOnly Date(string name) => DateOnly.ParseExact(this[name], "yyyyMMdd", CultureInfo.InvariantCulture);

    private int Index(string name)
    {
        var i = _tr.IndexOf(name);
        if (i < 0) throw new ArgumentException($"{_tr.Id} has no field {name}");
        return i;
    }
}
