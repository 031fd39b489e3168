namespace Kis.Realtime.Internal;

/// <summary>
/// KRW a price unit of one share or contract is worth: 1 for a stock (six digits), KRX's index futures and options by
/// their underlying (the code's 2nd–3rd characters): KOSPI200 (x01) 250,000 a point, mini KOSPI200 (x05) 50,000,
/// KOSDAQ150 (x06) 10,000; other derivatives 10 (a stock future's ten shares). The simulator's KrxRules.Multiplier says the
/// same; the library cannot reference it (the simulator is built on the library).
/// </summary>
internal static class ContractMultiplier
{
    public static decimal Of(string code)
    {
        if (code.Length == 6 && code.All(char.IsAsciiDigit)) return 1;
        return code.Length < 3 ? 10 : code.AsSpan(1, 2) switch { "01" => 250_000, "05" => 50_000, "06" => 10_000, _ => 10 };
    }
}
