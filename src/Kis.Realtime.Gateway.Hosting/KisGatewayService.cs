using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kis.Realtime.Gateway;

/// <summary>
/// The gateway as a hosted service, with its hot standby: joins the namespace's <see cref="KisGatewayElection"/> and runs a
/// <see cref="KisGateway"/> (with a KIS client of its own from <see cref="KisGatewayOptions.Client"/>) while this process
/// holds the active lock; a standby holds no KIS session. A process that loses the lock stops its run and waits again,
/// as <c>kisrt gateway</c> does. Register it with
/// <see cref="KisGatewayServiceCollectionExtensions.AddKisGateway(IServiceCollection, Func{IServiceProvider, KisGatewayOptions})"/>.
/// </summary>
public sealed class KisGatewayService : BackgroundService
{
    private readonly KisGatewayOptions _options;
    private KisGatewayElection? _election;
    private KisGateway? _gateway;

    /// <summary>A service for <paramref name="options"/> (validated now).</summary>
    public KisGatewayService(KisGatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Active (this process runs the gateway) or standby; standby before the host starts.</summary>
    public GatewayRole Role => Volatile.Read(ref _election)?.Role ?? GatewayRole.Standby;

    /// <summary>The gateway of the current term while active (its <see cref="KisGateway.Status"/>); null on standby.</summary>
    public KisGateway? Gateway => Volatile.Read(ref _gateway);

    /// <summary>Terms this process has been active.</summary>
    public long Terms => Volatile.Read(ref _election)?.Terms ?? 0;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var election = KisGatewayElection.Start(_options);
        Volatile.Write(ref _election, election);
        await election.RunTermsAsync(RunTermAsync, stoppingToken).ConfigureAwait(false);
    }

    private async Task RunTermAsync(long term, CancellationToken cancellationToken)
    {
        var gateway = await StartGatewayAsync(cancellationToken).ConfigureAwait(false);
        await using (gateway.ConfigureAwait(false))
        {
            Volatile.Write(ref _gateway, gateway);
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // the host stops, or the lock was lost: this run ends (its registrations are released by disposal)
            }
            finally
            {
                Volatile.Write(ref _gateway, null);
            }
        }
    }

    /// <summary>
    /// The term's gateway. The start retries the broker's transient faults itself; a broker it could not reach at all is
    /// tried again while this process holds the lock (it won the election on that broker a moment ago). A refusal of the
    /// user (<see cref="KisBrokerRefusedException"/>) ends the service: retrying with the same credentials cannot help.
    /// </summary>
    private async Task<KisGateway> StartGatewayAsync(CancellationToken cancellationToken)
    {
        var wait = _options.BrokerReconnectMinDelay;
        while (true)
        {
            try
            {
                return await KisGateway.StartAsync(_options, cancellationToken).ConfigureAwait(false);
            }
            catch (KisConnectionException) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                wait = wait * 2 < _options.BrokerReconnectMaxDelay ? wait * 2 : _options.BrokerReconnectMaxDelay;
            }
        }
    }
}
