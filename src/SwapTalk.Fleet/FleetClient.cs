using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.Serializing;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Fleet;

/// <summary>A job as the task hub sees it: its runtime status, the workflow's custom status, and its result or failure.</summary>
public sealed record FleetJobState(string JobId, OrchestrationStatus Status, JobStatus? Progress, DubJobResult? Result, string? FailureType, string? FailureMessage)
{
    public bool IsFinished => Status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;
}

/// <summary>
/// Submits dubs to a fleet's task hub and follows them (Durable Task Framework <see cref="TaskHubClient"/>). The
/// instance id is the job id, derived from the inputs' content: a second submission of the same job attaches to it.
/// </summary>
public sealed class FleetClient
{
    private readonly TaskHubClient _client;

    private FleetClient(TaskHubClient client) => _client = client;

    public static async Task<FleetClient> ConnectAsync(FleetOptions options, ILoggerFactory loggers)
    {
        var service = new AzureStorageOrchestrationService(FleetWorker.ServiceSettings(options, loggers));
        await service.CreateIfNotExistsAsync();
        return new FleetClient(new TaskHubClient(service, new WorkflowDataConverter(), loggers));
    }

    /// <summary>Starts the job, or attaches when it is already pending, running or completed. Returns true when this call started it.</summary>
    public async Task<bool> StartOrAttachAsync(DubJobInput input)
    {
        var existing = await _client.GetOrchestrationStateAsync(input.JobId);
        if (existing is { OrchestrationStatus: OrchestrationStatus.Pending or OrchestrationStatus.Running or OrchestrationStatus.Completed }) return false;
        try
        {
            await _client.CreateOrchestrationInstanceAsync(WorkflowNames.DubJob, string.Empty, input.JobId, input, null,
                new[] { OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Completed });
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false; // another submitter won the race: same job
        }
    }

    public async Task<FleetJobState?> GetAsync(string jobId)
    {
        var state = await _client.GetOrchestrationStateAsync(jobId);
        if (state is null) return null;
        var progress = WorkflowJson.Deserialize<JobStatus>(state.Status);
        if (state.OrchestrationStatus == OrchestrationStatus.Running && progress is { Phase: JobStatus.Rendering }) progress = await WithBatchesAsync(jobId, progress);
        return new FleetJobState(jobId, state.OrchestrationStatus,
            progress,
            state.OrchestrationStatus == OrchestrationStatus.Completed ? WorkflowJson.Deserialize<DubJobResult>(state.Output) : null,
            state.FailureDetails?.ErrorType, state.FailureDetails?.ErrorMessage ?? (state.OrchestrationStatus == OrchestrationStatus.Failed ? state.Output : null));
    }

    /// <summary>
    /// While a job renders, its own status counts finished batches only; each batch (instance "{jobId}:render:NNNN")
    /// counts its segments and frames. Their sum is the progress the embedded run shows, segment by segment.
    /// </summary>
    private async Task<JobStatus> WithBatchesAsync(string jobId, JobStatus job)
    {
        var (segments, frames) = (0, 0);
        for (var b = 0; segments < job.SegmentsTotal; b++)
        {
            var batch = await _client.GetOrchestrationStateAsync(RenderSegmentsOrchestrator.InstanceId(jobId, b));
            if (batch is null) break; // not started yet, nor any after it
            if (WorkflowJson.Deserialize<JobStatus>(batch.Status) is { } p) (segments, frames) = (segments + p.SegmentsDone, frames + p.FramesDone);
        }
        return segments > job.SegmentsDone ? job with { SegmentsDone = Math.Min(segments, job.SegmentsTotal), FramesDone = Math.Min(Math.Max(frames, job.FramesDone), job.FramesTotal) } : job;
    }

    /// <summary>Follows a job until it ends, reporting each change of its state; transient storage errors are retried.</summary>
    public async Task<FleetJobState> WaitAsync(string jobId, Action<FleetJobState> report, TimeSpan poll, CancellationToken cancellationToken)
    {
        FleetJobState? last = null;
        while (true)
        {
            FleetJobState? state = null;
            try
            {
                state = await GetAsync(jobId);
            }
            catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Storage unreachable for a while: the job goes on in the task hub; keep asking.
            }
            if (state is not null && state != last)
            {
                report(state);
                last = state;
            }
            if (state is { IsFinished: true }) return state;
            await Task.Delay(poll, cancellationToken);
        }
    }

    /// <summary>Ends a job (terminate: its workers stop scheduling its work; segments already stored stay for a resubmission).</summary>
    public async Task<bool> CancelAsync(string jobId, string reason)
    {
        var state = await _client.GetOrchestrationStateAsync(jobId);
        if (state is null || state.OrchestrationStatus is not (OrchestrationStatus.Pending or OrchestrationStatus.Running)) return false;
        await _client.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = jobId }, reason);
        return true;
    }

    /// <summary>Inputs and outputs as the SDK's shims on the workers read and write them (System.Text.Json, the workflow's options).</summary>
    private sealed class WorkflowDataConverter : DataConverter
    {
        public override string Serialize(object value) => WorkflowJson.Serialize(value)!;
        public override string Serialize(object value, bool formatted) => Serialize(value);
        public override object Deserialize(string data, Type objectType) => WorkflowJson.Deserialize(data, objectType)!;
    }
}
