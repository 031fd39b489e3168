namespace Kis.Realtime.Protocol;

/// <summary>How a field's text is to be read (docs/kis-protocol.md §7).</summary>
public enum FieldType
{
    /// <summary><c>s</c>: text kept verbatim (identifiers keep their leading zeros).</summary>
    Text,
    /// <summary><c>c</c>: an enumerated code, kept as text.</summary>
    Code,
    /// <summary><c>t</c>: a time of day HHMMSS (KST, or local time where KIS says so; no date).</summary>
    Time,
    /// <summary><c>d</c>: a decimal number, optionally signed.</summary>
    Decimal,
    /// <summary><c>n</c>: an integer, optionally signed.</summary>
    Integer,
    /// <summary>A date YYYYMMDD. Empty or <c>00000000</c> means no date (KIS sends that where none applies).</summary>
    Date,
}

/// <summary>One field of a TR's record.</summary>
/// <param name="Name">KIS's field name, lowercase as in KIS's sample code (e.g. <c>prpr_nmix</c>).</param>
/// <param name="Type">How the text is read.</param>
/// <param name="Description">KIS's label for the field (Korean, as in KIS's spec and sample code).</param>
/// <param name="ImpliedDecimals">Digits after an implied decimal point (notice prices carry 2).</param>
public sealed record FieldDefinition(string Name, FieldType Type, string Description, int ImpliedDecimals = 0)
{
    /// <summary>True for <see cref="FieldType.Decimal"/> and <see cref="FieldType.Integer"/>.</summary>
    public bool IsNumeric => Type is FieldType.Decimal or FieldType.Integer;
}
