using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Hosting;
using SwapTalk.Functions.Batch;
using SwapTalk.Functions.Durable;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Functions;

/// <summary>Scheduled batch dubbing: starts the jobs of the batch manifests, bounded per run and per minute.</summary>
public sealed class BatchTimerFunction(BatchRunner runner, ILogger<BatchTimerFunction> logger)
{
    [Function(HostFunctionNames.BatchDubbing)]
    public async Task Run(
        [TimerTrigger("%" + AppSettingNames.BatchSchedule + "%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var summary = await runner.RunAsync(new DurableJobInstances(client), cancellationToken);
        logger.LogInformation("batch run: {Batches} batch(es) reported, {Started} job(s) started, {Deferred} deferred to the next run",
            summary.Reports.Count, summary.Started, summary.Deferred);
    }
}
