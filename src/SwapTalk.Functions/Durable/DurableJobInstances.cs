using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Durable;

/// <summary>The triggers' runtime port over Durable's client (bound per invocation with [DurableClient]).</summary>
public sealed class DurableJobInstances(DurableTaskClient client) : IJobInstances
{
    public async Task<JobInstanceInfo?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        Info(await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken));

    // Durable may replace a finished instance of the same id; JobStarter has already looked it up first.
    public Task StartAsync(string workflowName, string instanceId, object input, CancellationToken cancellationToken) =>
        client.ScheduleNewOrchestrationInstanceAsync(workflowName, input, new StartOrchestrationOptions(instanceId), cancellationToken);

    // Recursive: the render batches are sub-orchestrations and must stop with their job.
    public Task CancelAsync(string instanceId, string reason, CancellationToken cancellationToken) =>
        client.TerminateInstanceAsync(instanceId, new TerminateInstanceOptions(reason, Recursive: true), cancellationToken);

    // Job instances only: a job's render batches ("{jobId}:render:NNNN") are not jobs.
    public async Task<IReadOnlyList<JobInstanceInfo>> ListAsync(int max, CancellationToken cancellationToken)
    {
        var found = new List<JobInstanceInfo>();
        await foreach (var metadata in client.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true, PageSize = 100 }).WithCancellation(cancellationToken))
            if (!metadata.InstanceId.Contains(':') && Info(metadata) is { } info) found.Add(info);
        return found.OrderByDescending(i => i.CreatedAt).Take(max).ToList();
    }

    private static JobInstanceInfo? Info(OrchestrationMetadata? metadata) =>
        metadata is null
            ? null
            : new JobInstanceInfo(metadata.InstanceId, JobRuntimeStates.FromDurableName(metadata.RuntimeStatus.ToString()),
                metadata.CreatedAt, metadata.LastUpdatedAt, metadata.SerializedCustomStatus, metadata.SerializedOutput,
                metadata.FailureDetails?.ErrorMessage);
}
