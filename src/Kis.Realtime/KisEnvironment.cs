namespace Kis.Realtime;

/// <summary>
/// Which KIS server: the real one or the paper-trading one. The one environment type of the library: it picks the
/// server addresses (<see cref="KisRealtimeOptions.EffectiveWebSocketUrl"/>), the TR ids that differ on paper
/// (<see cref="KisTrs.ForEnvironment"/>) and tells which server offers a TR
/// (<see cref="Protocol.TrDefinition.IsOfferedOn"/>).
/// </summary>
public enum KisEnvironment
{
    /// <summary>실전: the real server (<c>ws://ops.koreainvestment.com:21000</c>).</summary>
    Real,
    /// <summary>모의: the paper-trading server (<c>ws://ops.koreainvestment.com:31000</c>).</summary>
    Paper,
}
