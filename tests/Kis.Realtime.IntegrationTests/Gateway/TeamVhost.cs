namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A vhost of its own (docs/gateway-security.md: a vhost per team) with a gateway user of scripts/rabbitmq-users.sh on it,
/// unique names per test, both deleted afterwards. Needs root (rabbitmqctl).
/// </summary>
internal sealed class TeamVhost : IAsyncDisposable
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly string _password = Guid.NewGuid().ToString("N");

    private TeamVhost()
    {
    }

    public string Vhost => "kisrt-test-team-" + _run;
    public string Namespace => "team" + _run;
    public string GatewayUser => "kisrt-test-teamgw-" + _run;

    /// <summary>The gateway user's URI on the vhost (plain AMQP on loopback).</summary>
    public Uri GatewayUri => new($"amqp://{GatewayUser}:{_password}@127.0.0.1:5672/{Uri.EscapeDataString(Vhost)}");

    public static async Task<TeamVhost> CreateAsync()
    {
        var team = new TeamVhost();
        var result = await ChildProcess.RunAsync(SecureBroker.Script, ["gateway", team.GatewayUser, "--vhost", team.Vhost, "--namespace", team.Namespace],
            TimeSpan.FromSeconds(120), ("KISRT_RABBITMQ_PASSWORD", team._password));
        if (result.ExitCode != 0) throw new InvalidOperationException($"scripts/rabbitmq-users.sh gateway failed ({result.ExitCode}): {result.Errors}");
        return team;
    }

    public async ValueTask DisposeAsync()
    {
        await ChildProcess.RunAsync(SecureBroker.Script, ["delete", GatewayUser], TimeSpan.FromSeconds(120));
        await ChildProcess.RunAsync("rabbitmqctl", ["-q", "delete_vhost", Vhost], TimeSpan.FromSeconds(120)); // its queues and streams with it
    }
}
