using System.Globalization;

namespace Kis.Realtime.Tests;

/// <summary>
/// A culture unlike the invariant one, for checking that what a library writes for a machine or a log does not change
/// with its consumer's culture. The test host is invariant (InvariantGlobalization, as every app of the repository), so
/// no named culture exists here: a clone of the invariant culture with de-DE's decimal comma and dot grouping, sv-SE's
/// minus sign (U+2212) and dots as date and time separators stands in for one.
/// </summary>
internal static class HostileCulture
{
    public static CultureInfo Create()
    {
        var c = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        c.NumberFormat.NegativeSign = "\u2212";
        c.NumberFormat.NumberDecimalSeparator = c.NumberFormat.CurrencyDecimalSeparator = c.NumberFormat.PercentDecimalSeparator = ",";
        c.NumberFormat.NumberGroupSeparator = c.NumberFormat.CurrencyGroupSeparator = ".";
        c.DateTimeFormat.TimeSeparator = c.DateTimeFormat.DateSeparator = ".";
        return c;
    }

    /// <summary>Runs <paramref name="run"/> with <paramref name="culture"/> as the current and UI culture of this thread.</summary>
    public static T Under<T>(CultureInfo culture, Func<T> run)
    {
        var (culture0, ui0) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = culture;
        try { return run(); }
        finally { (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture0, ui0); }
    }

    /// <summary>What <paramref name="run"/> returns under the invariant culture, after checking it returns the same under a hostile one.</summary>
    public static string SameUnderBoth(Func<string> run)
    {
        var invariant = Under(CultureInfo.InvariantCulture, run);
        Assert.Equal(invariant, Under(Create(), run));
        return invariant;
    }
}
