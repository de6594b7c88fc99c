using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Workflow;
using SwapTalk.Fleet;

namespace SwapTalk.Cli.Commands;

/// <summary>The fleet worker as the host's service: starts taking work with the host, drains when the host stops.</summary>
internal sealed class FleetWorkerService(FleetOptions fleet, ActivityRegistry activities, OrchestratorCatalog orchestrators,
    ILoggerFactory loggers, TimeSpan grace) : IHostedService
{
    private FleetWorker? _worker;

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _worker = await FleetWorker.StartAsync(fleet, activities, orchestrators, loggers);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_worker is null) return;
        await _worker.StopAsync(grace);
        await _worker.DisposeAsync();
    }
}
