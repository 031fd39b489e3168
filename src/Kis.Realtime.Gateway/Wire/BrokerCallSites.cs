namespace Kis.Realtime.Gateway.Wire;

/// <summary>The names of the broker call sites a test can inject a fault at (<see cref="KisGatewayOptions.BrokerCall"/>;
/// the client's, <see cref="KisGatewayClientOptions.BrokerCall"/>).</summary>
internal static class BrokerCallSites
{
    public const string JournalRead = "journal.read";
    public const string RunExchange = "run-exchange.open";
    public const string JournalWrite = "journal.write";
    public const string Requests = "requests.serve";
    public const string StreamDeclare = "stream.declare";
    public const string Publisher = "publisher.connect";
    public const string Election = "election.join";
    public const string ReaderAttach = "reader.attach"; // the client's: a stream reader's channel and consume

    /// <summary>At call site <paramref name="site"/>: throws what the test's <paramref name="faults"/> injects there, if anything.</summary>
    public static void Call(Func<string, Exception?>? faults, string site)
    {
        if (faults?.Invoke(site) is { } fault) throw fault;
    }
}
