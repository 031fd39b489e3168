using System.Globalization;

namespace Kis.Realtime.Cli.Output;

/// <summary>How KRW amounts are shown in the live table (<c>--krw</c>).</summary>
internal enum KrwStyle
{
    /// <summary><c>-117,252,452,610 KRW</c>.</summary>
    Digits,
    /// <summary>In 조/억/만 as Korean readers expect: <c>-1,172억 5,245만원</c> (below 만 left out).</summary>
    Korean,
}

/// <summary>Number formatting for the live table: thousands separators on prices (their decimals kept as received), KRW per <see cref="KrwStyle"/>.</summary>
internal sealed record DisplayFormat(KrwStyle Krw = KrwStyle.Digits)
{
    public static DisplayFormat Default { get; } = new();

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Parses <c>--krw</c>: digits (default) or korean.</summary>
    public static DisplayFormat Parse(string? krw) => krw?.Trim().ToLowerInvariant() switch
    {
        null or "" or "digits" => Default,
        "korean" or "ko" or "eok" => new DisplayFormat(KrwStyle.Korean),
        _ => throw new Configuration.CliUsageException($"--krw must be digits or korean (조/억/만), not '{krw}'."),
    };

    /// <summary>A price or index value with thousands separators and exactly the decimals it arrived with: 10,400.00.</summary>
    public string Price(decimal value)
    {
        var text = value.ToString(Inv);
        var dot = text.IndexOf('.');
        var integer = decimal.Truncate(value);
        var grouped = integer == 0 && value < 0 ? "-0" : integer.ToString("#,0", Inv); // -0.5 keeps its sign
        return dot < 0 ? grouped : grouped + text[dot..];
    }

    /// <summary>A signed change: +0.27, -5.00, 0.</summary>
    public string Signed(decimal value) => (value > 0 ? "+" : "") + Price(value);

    /// <summary>A KRW amount in the chosen style.</summary>
    public string Won(decimal amount) => Krw == KrwStyle.Digits ? $"{amount.ToString("#,0", Inv)} KRW" : Korean(amount);

    private static string Korean(decimal amount)
    {
        var sign = amount < 0 ? "-" : "";
        var rest = decimal.Truncate(Math.Abs(amount));
        var jo = decimal.Truncate(rest / 1_000_000_000_000m);
        rest -= jo * 1_000_000_000_000m;
        var eok = decimal.Truncate(rest / 100_000_000m);
        rest -= eok * 100_000_000m;
        var man = decimal.Truncate(rest / 10_000m);
        var parts = new List<string>();
        if (jo > 0) parts.Add($"{jo.ToString("#,0", Inv)}조");
        if (eok > 0) parts.Add($"{eok.ToString("#,0", Inv)}억");
        if (man > 0) parts.Add($"{man.ToString("#,0", Inv)}만");
        if (parts.Count == 0) return (rest > 0 ? sign : "") + rest.ToString("#,0", Inv) + "원"; // under 만: as is
        return sign + string.Join(" ", parts) + "원";
    }
}
