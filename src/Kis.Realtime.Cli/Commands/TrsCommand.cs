using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Cli.Commands;

/// <summary><c>kisrt trs [TR]</c>: the catalog of KIS real-time TRs, or one TR's fields.</summary>
internal static class TrsCommand
{
    public static Command Create()
    {
        var tr = new Argument<string?>("TR")
        {
            Description = "A TR id or alias: list its fields (index, name, type, KIS's label). Without it, list every TR.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("trs", "List KIS's real-time TRs: id, key format with an example, encryption, paper-server id, aliases, name.") { tr };
        command.SetAction(parse => Run(Console.Out, Console.Error, parse.GetValue(tr)));
        return command;
    }

    /// <summary>Writes the catalog, or one TR's fields; 0, or 2 for an unknown TR.</summary>
    public static int Run(TextWriter output, TextWriter errors, string? trText)
    {
        if (trText is null)
        {
            WriteCatalog(output);
            return 0;
        }
        if (!SubscriptionSpec.TryResolve(trText, out var tr))
        {
            errors.WriteLine($"kisrt trs: unknown TR '{trText}'; `kisrt trs` lists them.");
            return 2;
        }
        WriteFields(output, tr);
        return 0;
    }

    private static void WriteCatalog(TextWriter output)
    {
        output.WriteLine($"{"TR",-8}  {"paper",-8}  {"enc",-3}  {"fields",6}  {"key (example)",-54}  {"aliases",-28}  name");
        foreach (var tr in KisTrs.Catalog)
        {
            var key = tr.DescribeKey();
            output.WriteLine($"{tr.Id,-8}  {tr.PaperId ?? "-",-8}  {(tr.Encrypted ? "yes" : "no"),-3}  {tr.Fields.Count,6}  {key,-54}  " +
                             $"{string.Join(',', SubscriptionSpec.AliasesOf(tr)),-28}  {tr.KoreanName} — {tr.Description}");
        }
        output.WriteLine($"{KisTrs.Catalog.Count} TRs. Subscribe with --sub TR:KEY or ALIAS:KEY (notices: the key defaults to your HTS ID).");
    }

    private static void WriteFields(TextWriter output, TrDefinition tr)
    {
        output.WriteLine($"{tr.Id} {tr.KoreanName} — {tr.Description}");
        output.WriteLine($"key: {tr.DescribeKey()}; encrypted: {(tr.Encrypted ? "yes" : "no")}; " +
                         $"paper: {tr.PaperId ?? "not offered"}{(tr.ApiId is null ? "" : $"; KIS API {tr.ApiId}")}");
        for (var i = 0; i < tr.Fields.Count; i++)
        {
            var f = tr.Fields[i];
            var type = f.ImpliedDecimals > 0 ? $"{f.Type} ({f.ImpliedDecimals} implied decimals)" : f.Type.ToString();
            output.WriteLine($"{i + 1,3}  {f.Name,-32}  {type,-30}  {f.Description}");
        }
    }
}
