namespace Kis.Realtime.Simulator;

/// <summary>Which stocks the simulator's market lists (<see cref="SimulatorOptions.Universe"/>).</summary>
public enum SimulatorUniverse
{
    /// <summary>The 49 well-known KRX stocks and ETFs (the default): every feed of another stock code is silent.</summary>
    Small,

    /// <summary>
    /// The whole KRX at market scale: the small universe's names first, then generated ones up to 2,700 stocks (about 950
    /// KOSPI, the rest KOSDAQ), with codes, names and prices drawn from <see cref="SimulatorOptions.Seed"/> and
    /// activity skewed as a real market's is (a few names make most records; docs/simulator.md, "Market scale").
    /// </summary>
    KrxAll,
}
