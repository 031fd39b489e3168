using System.Runtime.CompilerServices;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Internal;

internal static class Codes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StockVenue Venue(TrDefinition tr)
    {
        // Third and fourth characters of the id: ST (KRX), NX (NXT), UN (combined).
        var id = tr.Id;
        return id[2] == 'N' && id[3] == 'X' ? StockVenue.Nxt : id[2] == 'U' && id[3] == 'N' ? StockVenue.Unified : StockVenue.Krx;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TradeSide Side(int digit) => digit is 1 or 3 or 5 ? (TradeSide)digit : TradeSide.Unknown;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Yes(char c) => c is 'Y' or 'y' or '1';

    public static ViStatus Vi(char c) => c switch
    {
        '\0' => ViStatus.None,
        'N' or '0' => ViStatus.Released,
        '1' => ViStatus.Static,
        '2' => ViStatus.Dynamic,
        '3' => ViStatus.StaticAndDynamic,
        _ => ViStatus.Unknown,
    };
}
