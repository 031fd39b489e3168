namespace Kis.Realtime.Protocol;

/// <summary>Key validation and descriptions per <see cref="TrKeyFormat"/>.</summary>
internal static class TrKeys
{
    /// <summary>True when <paramref name="key"/> has the shape <paramref name="format"/> asks for.</summary>
    public static bool IsValid(TrKeyFormat format, string? key) => key is not null && format switch
    {
        TrKeyFormat.IndexCode => key.Length == 4 && key.All(char.IsAsciiDigit),
        TrKeyFormat.Isin => key.Length == 12 && key.All(char.IsAsciiLetterOrDigit) && char.IsAsciiLetterUpper(key[0]) && char.IsAsciiLetterUpper(key[1]),
        TrKeyFormat.StockCode => key.Length == 6 && key.All(char.IsAsciiLetterOrDigit),
        TrKeyFormat.HtsId => key.Length is > 0 and <= 16 && key.All(char.IsAsciiLetterOrDigit),
        TrKeyFormat.DerivativeCode => key.Length is >= 6 and <= 9 && key.All(IsUpperOrDigit),
        TrKeyFormat.BondIndexCode => key.Length is >= 2 and <= 12 && key.All(IsUpperOrDigit),
        TrKeyFormat.OverseasSymbol => IsOverseasSymbol(key),
        TrKeyFormat.OverseasDerivativeCode => key.Length is >= 2 and <= 32 && key[0] != ' ' && key[^1] != ' '
                                              && key.All(c => IsUpperOrDigit(c) || c is ' ' or '.' or '-'),
        _ => false,
    };

    /// <summary>A short English description of the format (see <see cref="TrDefinition.DescribeKey"/> for one with an example).</summary>
    public static string Describe(TrKeyFormat format) => format switch
    {
        TrKeyFormat.IndexCode => "4-digit index code",
        TrKeyFormat.Isin => "12-character ISIN",
        TrKeyFormat.StockCode => "6-character short code",
        TrKeyFormat.HtsId => "your HTS ID",
        TrKeyFormat.DerivativeCode => "6-9 character futures/options code",
        TrKeyFormat.BondIndexCode => "bond index id",
        TrKeyFormat.OverseasSymbol => "D|R + exchange + symbol",
        TrKeyFormat.OverseasDerivativeCode => "series code",
        _ => format.ToString(),
    };

    private static bool IsUpperOrDigit(char c) => char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c);

    // D/R, a 3-letter exchange (NAS, NYS, AMS, BAQ, HKS, TSE, SHS, SZS, HSX, HNX …), then the symbol: letters,
    // digits and the '.', '/', '-' that class shares use (BRK.B, BRK/B).
    private static bool IsOverseasSymbol(string key)
    {
        if (key.Length is < 5 or > 20 || key[0] is not ('D' or 'R')) return false;
        for (var i = 1; i < 4; i++)
            if (!char.IsAsciiLetterUpper(key[i])) return false;
        for (var i = 4; i < key.Length; i++)
            if (!(IsUpperOrDigit(key[i]) || key[i] is '.' or '/' or '-')) return false;
        return true;
    }
}
