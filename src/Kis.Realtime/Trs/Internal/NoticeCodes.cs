namespace Kis.Realtime.Internal;

internal static class NoticeCodes
{
    /// <summary>seln_byov_cls 01 sell, 02 buy (read as a digit).</summary>
    public static OrderSide Side(int digit) => digit is 1 or 2 ? (OrderSide)digit : OrderSide.Unknown;

    public static OrderRevision Revision(ReadOnlySpan<byte> raw)
        => raw.Length == 1 && raw[0] is >= (byte)'0' and <= (byte)'2' ? (OrderRevision)(raw[0] - '0') : OrderRevision.Unknown;

    public static AcceptanceStatus Acceptance(int digit) => digit is >= 0 and <= 3 ? (AcceptanceStatus)digit : AcceptanceStatus.Unknown;
}
