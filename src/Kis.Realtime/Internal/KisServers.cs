namespace Kis.Realtime.Internal;

/// <summary>KIS's published addresses per environment (the defaults every option can override).</summary>
internal static class KisServers
{
    public static Uri WebSocketUrl(KisEnvironment environment) => new(environment == KisEnvironment.Paper
        ? "ws://ops.koreainvestment.com:31000" : "ws://ops.koreainvestment.com:21000");

    public static Uri RestBaseUrl(KisEnvironment environment) => new(environment == KisEnvironment.Paper
        ? "https://openapivts.koreainvestment.com:29443" : "https://openapi.koreainvestment.com:9443");
}
