using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// <c>kisrt gateway audit</c>: an independent check of a namespace's streams, as any consumer may read them: per key, seqs
/// consecutive, cumulative volume continuous, every run change against its announcement; what is missing and whether the
/// stream states it. Exit 0 when nothing is missing unstated, <see cref="CliFailures.AuditFound"/> when something is.
/// </summary>
internal static class GatewayAuditCommand
{
    public static Command Create()
    {
        var amqp = GatewayCommand.AmqpOption();
        var amqpPassword = GatewayCommand.PasswordFileOption();
        var amqpCa = GatewayConnection.CaOption();
        var ns = GatewayCommand.NamespaceOption();
        var trs = new Option<string[]>("--tr") { Description = "audit this TR's stream (repeat for more; default: every TR stream of the namespace)" };
        var maxMessages = new Option<long?>("--max-messages")
        {
            Description = "read at most this many messages a stream (default 20,000,000); a stream cut there is said, the rest not audited",
        };
        var quiet = new Option<string?>("--quiet") { Description = "a stream that sends nothing for this long has ended (default 3s)" };
        var maxFindings = new Option<int?>("--max-findings") { Description = "findings printed at most (default 200; the summary counts all)" };
        var command = new Command("audit",
            "Check a namespace's streams as a consumer reads them: per key, seqs consecutive, cumulative volume continuous (trades), every run change " +
            "against its announcement; print what is missing and whether it was stated. Exit 5 when something is missing unstated.")
        {
            amqp, amqpPassword, amqpCa, ns, trs, maxMessages, quiet, maxFindings,
        };
        command.SetAction((parse, token) =>
        {
            var endpoint = GatewayCommand.Endpoint(parse.GetValue(amqp), parse.GetValue(ns), parse.GetValue(amqpCa), parse.GetValue(amqpPassword));
            var options = GatewayAuditOptions.Default with
            {
                Trs = parse.GetValue(trs) is { Length: > 0 } t ? t : null,
                MaxMessages = parse.GetValue(maxMessages) is { } m ? m > 0 ? m : throw new CliUsageException("--max-messages must be positive.")
                    : GatewayAuditOptions.Default.MaxMessages,
                Quiet = parse.GetValue(quiet) is { } q ? Duration.Parse(q, "--quiet") : GatewayAuditOptions.Default.Quiet,
            };
            var shown = parse.GetValue(maxFindings) ?? 200;
            if (shown < 0) throw new CliUsageException("--max-findings must not be negative.");
            return AuditAsync(endpoint, options, shown, Console.Out, token);
        });
        return command;
    }

    /// <summary>Audits the streams and prints each stream's figures, the findings (losses first, then stated gaps) and the summary
    /// line; returns the exit code.</summary>
    internal static async Task<int> AuditAsync(KisGatewayEndpoint endpoint, GatewayAuditOptions options, int shown, TextWriter output,
        CancellationToken cancellationToken)
    {
        if (options.Quiet <= TimeSpan.Zero) throw new CliUsageException("--quiet must be positive.");
        if (options.Trs?.FirstOrDefault(t => !KisTrs.TryGet(t, out _)) is { } unknown) throw new CliUsageException($"--tr: unknown TR '{unknown}'.");
        var report = await KisGatewayAudit.AuditAsync(endpoint, options with { MaxFindings = Math.Max(shown, 1) }, cancellationToken).ConfigureAwait(false);
        foreach (var s in report.Streams)
            await output.WriteLineAsync($"stream {s.Stream}: {s.Counts.Messages} messages, {s.Counts.Records} records, {s.Counts.Keys} keys" +
                                        $"{(s.FromFirst ? "" : ", read from after its start (retention)")}" +
                                        $"{(s.Counts.Bounded ? ", CUT at --max-messages" : "")}")
                .ConfigureAwait(false);
        // Losses, wrong announcements and doubled records first: a person paged reads those before the stated gaps.
        var findings = report.Findings.OrderBy(f => f.Kind).ToList();
        foreach (var finding in findings.Take(shown)) await output.WriteLineAsync(finding.ToString()).ConfigureAwait(false);
        var left = findings.Count - Math.Min(shown, findings.Count) + report.FindingsLeftOut;
        if (left > 0) await output.WriteLineAsync($"… {left} more findings not shown (--max-findings)").ConfigureAwait(false);
        if (report.Streams.Count == 0) await output.WriteLineAsync($"no TR stream found on namespace {endpoint.Namespace}").ConfigureAwait(false);
        await output.WriteLineAsync($"kisrt gateway audit: {report.Counts}").ConfigureAwait(false);
        return report.Clean ? CliFailures.Done : CliFailures.AuditFound;
    }
}
