namespace Kis.Realtime.Internal;

internal static class Imbalances
{
    public static decimal Of(long bid, long ask) => bid + ask > 0 ? (decimal)(bid - ask) / (bid + ask) : 0;
}
