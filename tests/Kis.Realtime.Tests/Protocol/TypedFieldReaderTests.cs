using System.Text;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Protocol;

/// <summary>
/// The typed reader against a model of what a field means: split at <c>^</c>, an empty number is 0, anything else is
/// what <see cref="FieldParsers"/> makes of it, and the first bad field is the error. The reader finds field ends by a
/// bitmap and converts numbers eight bytes at a time; these records put every kind of field at every distance from
/// the record's ends and from the bitmap's 64-byte windows, so a wrong shift or a carry shows here.
/// </summary>
public class TypedFieldReaderTests
{
    private static readonly string[] Shapes =
    [
        "", "0", "7", "-", "+", ".", "-0", "+5", "-5", "05", "12", "-12", "1.5", ".5", "-.5", "5.", "-5.", "1.2.3", "--1", "+-1",
        "12a", "a12", " 12", "1 2", "1e5", "-0.00", "0.00", "1001", "71900", "-100", "-0.14", "72023.83", "84.90", "99999999",
        "-9999999", "+9999999", "9999999.9", "0000000002", "219853170100", "1234567890123456", "12345678901234567",
        "123456789012345678", "1234567890123456789", "-17227936700", "1234567.890", "N", "Y", "005930", "삼성", "\u00ff9",
        "9:", "9/", "0\u0080", "\u00899", "9\u00ba",
    ];

    [Fact]
    public void Numbers_read_as_the_field_parsers_read_them_wherever_the_field_lies()
    {
        var random = new Random(20261126);
        for (var round = 0; round < 20_000; round++)
        {
            var fields = new string[random.Next(1, 40)];
            for (var i = 0; i < fields.Length; i++)
                fields[i] = random.Next(8) == 0 ? new string('7', random.Next(60, 140)) : Shapes[random.Next(Shapes.Length)];
            var record = Encoding.UTF8.GetBytes(string.Join('^', fields));
            // The record as a slice of a frame: the reader must not read the bytes around it.
            var before = random.Next(3);
            var frame = new byte[before + record.Length + random.Next(3)];
            frame.AsSpan().Fill((byte)'9');
            record.CopyTo(frame, before);
            var kinds = Enumerable.Range(0, fields.Length + 1).Select(_ => random.Next(3)).ToArray();
            var implied = random.Next(4);
            var actual = Read(frame.AsSpan(before, record.Length), kinds, implied, out var error);
            var expected = Model(fields, kinds, implied, out var expectedError);
            Assert.True(expected.SequenceEqual(actual) && expectedError == error,
                $"record '{string.Join('^', fields)}', kinds {string.Join(",", kinds)}, implied {implied}: "
                + $"expected {string.Join(" | ", expected)} {expectedError}, read {string.Join(" | ", actual)} {error}");
        }
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("12345678", 12345678)]
    [InlineData("00000001", 1)]
    [InlineData("-12345678", -12345678)]
    [InlineData("123456789", 123456789)]
    [InlineData("9999999999999999", 9999999999999999)]
    [InlineData("1000000000000000", 1000000000000000)]
    public void Every_width_of_number_converts(string field, long value)
    {
        // Eight bytes of padding either side, then none: the near-end load shifts the last eight bytes.
        foreach (var text in new[] { $"x^{field}^x", field, $"{field}^12345678" })
        {
            var reader = new TypedFieldReader(Encoding.ASCII.GetBytes(text));
            if (text.StartsWith('x')) reader.Skip();
            Assert.Equal(value, reader.Int64());
            reader = new TypedFieldReader(Encoding.ASCII.GetBytes(text));
            if (text.StartsWith('x')) reader.Skip();
            Assert.Equal(value, reader.Decimal());
        }
    }

    // 0: Decimal, 1: Int64, 2: Raw.
    private static List<string> Read(ReadOnlySpan<byte> record, int[] kinds, int implied, out DecodeError error)
    {
        var reader = new TypedFieldReader(record);
        var values = new List<string>();
        foreach (var kind in kinds)
            values.Add(kind switch
            {
                0 => Describe(reader.Decimal(implied)),
                1 => reader.Int64().ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => Encoding.UTF8.GetString(reader.Raw()),
            });
        error = reader.Error;
        return values;
    }

    private static List<string> Model(string[] fields, int[] kinds, int implied, out DecodeError error)
    {
        error = default;
        var values = new List<string>();
        for (var i = 0; i < kinds.Length; i++)
        {
            // Reading goes on after a bad field (the first error is kept); past the last field every read is a default.
            if (i >= fields.Length)
            {
                if (!error.IsError) error = new DecodeError(DecodeErrorKind.TooFewFields, FieldIndex: fields.Length, Detail: fields.Length);
                values.Add(kinds[i] switch { 0 => Describe(0m), 1 => "0", _ => "" });
                continue;
            }
            var field = Encoding.UTF8.GetBytes(fields[i]);
            switch (kinds[i])
            {
                case 0:
                    var isDecimal = FieldParsers.TryParseDecimal(field, implied, out var d);
                    if (field.Length > 0 && !isDecimal && !error.IsError) error = new DecodeError(DecodeErrorKind.BadNumber, FieldIndex: i);
                    values.Add(Describe(field.Length == 0 || !isDecimal ? 0m : d));
                    break;
                case 1:
                    var isInteger = FieldParsers.TryParseInt64(field, out var n);
                    if (field.Length > 0 && !isInteger && !error.IsError) error = new DecodeError(DecodeErrorKind.BadNumber, FieldIndex: i);
                    values.Add((field.Length == 0 || !isInteger ? 0 : n).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    values.Add(fields[i]);
                    break;
            }
        }
        return values;
    }

    // Value, scale and sign bit: 1.50 is not 1.5, and -0 is not 0.
    private static string Describe(decimal value)
        => $"{value.ToString(System.Globalization.CultureInfo.InvariantCulture)}/{string.Join(",", decimal.GetBits(value))}";
}
