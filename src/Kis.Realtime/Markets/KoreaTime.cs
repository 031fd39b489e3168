namespace Kis.Realtime;

/// <summary>
/// Korea Standard Time (KST): UTC+9 all year, no daylight saving (none since 1988). The one definition of the offset in
/// every package: KIS stamps its records, orders and tokens in it, and KRX trading days are KST dates.
/// </summary>
public static class KoreaTime
{
    /// <summary>KST's offset from UTC: nine hours.</summary>
    public static readonly TimeSpan Offset = TimeSpan.FromHours(9);

    /// <summary><paramref name="instant"/> on the KST wall clock.</summary>
    public static DateTimeOffset Of(DateTimeOffset instant) => instant.ToOffset(Offset);

    /// <summary>The KST date of <paramref name="instant"/> (a KRX trading day is a KST date).</summary>
    public static DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(instant.ToOffset(Offset).DateTime);
}
