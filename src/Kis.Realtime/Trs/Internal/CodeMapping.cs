namespace Kis.Realtime.Internal;

internal static class CodeMapping
{
    public static PriceChangeSign Sign(int digit) => digit is >= 0 and <= 5 ? (PriceChangeSign)digit : PriceChangeSign.Unknown;
}
