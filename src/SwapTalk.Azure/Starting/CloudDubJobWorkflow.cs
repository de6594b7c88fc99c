using Microsoft.DurableTask;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Azure.Starting;

public static class CloudWorkflowNames
{
    /// <summary>The workflow every cloud trigger starts: stage the inputs, then the dub.</summary>
    public const string CloudDubJob = "CloudDubJob";
}

public static class HostingActivityNames
{
    public const string StageInputs = "StageInputs";

    public static IReadOnlyList<string> All { get; } = [StageInputs];
}

/// <summary>
/// A cloud job: the inputs as <c>container/path</c> references (not yet staged), the workers' models folder, options.
/// </summary>
public sealed record CloudDubJobInput(string JobId, string Portrait, string Video, string? Audio, string ModelsDir, JobOptions Options, JobRetry? Retry = null);

/// <summary>
/// The orchestration the cloud triggers start: StageInputs, then <see cref="DubJobOrchestrator"/> run inline on the
/// same context, so the job is one instance whose custom status shows the dub's progress, and the dub's own rules
/// (failure report, fan-out, resume) apply unchanged. A staging failure (missing or empty input) is written to
/// the report like any other failure before the orchestration fails.
/// </summary>
public sealed class CloudDubJobOrchestrator : TaskOrchestrator<CloudDubJobInput, DubJobResult>
{
    /// <summary>Custom-status phase while inputs are copied.</summary>
    public const string Staging = "staging";

    public override async Task<DubJobResult> RunAsync(TaskOrchestrationContext context, CloudDubJobInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var started = context.CurrentUtcDateTime;
        var options = (input.Retry ?? JobRetry.Default).ToTaskOptions();
        StageInputsResult staged;
        try
        {
            context.SetCustomStatus(new JobStatus(Staging, 0, 0, 0, 0));
            staged = await context.CallActivityAsync<StageInputsResult>(HostingActivityNames.StageInputs,
                new StageInputsInput(input.JobId, input.Portrait, input.Video, input.Audio), options);
        }
        catch (TaskFailedException ex)
        {
            var cause = ex.FailureDetails;
            var report = new JobReport
            {
                JobId = input.JobId,
                Outcome = JobOutcome.Failed,
                Mode = input.Audio is null ? JobMode.SelfDriven : JobMode.CrossDriven,
                LengthPolicy = input.Options.LengthPolicy,
                Inputs = new JobInputBlobs(input.Portrait, input.Video, input.Audio),
                StartedUtc = started,
                FinishedUtc = context.CurrentUtcDateTime,
                Failure = new JobFailure("stage", cause.ErrorType, cause.ErrorMessage, JobRetry.IsBadInput(cause)),
            };
            try
            {
                await context.CallActivityAsync<WriteReportResult>(ActivityNames.WriteReport, new WriteReportInput(report), options);
            }
            catch (TaskFailedException)
            {
                // The staging failure is the one to surface.
            }
            context.SetCustomStatus(new JobStatus(JobStatus.Failed, 0, 0, 0, 0));
            throw;
        }
        return await DubJobOrchestrator.RunDubAsync(context, new DubJobInput(input.JobId, staged.Inputs, input.ModelsDir, input.Options, input.Retry));
    }
}

/// <summary>What the cloud host runs: the core's orchestrators plus <see cref="CloudDubJobOrchestrator"/>, and its one extra activity.</summary>
public static class CloudWorkflows
{
    public static OrchestratorCatalog Catalog { get; } =
        OrchestratorCatalog.Default.With(CloudWorkflowNames.CloudDubJob, new CloudDubJobOrchestrator());

    /// <summary>Every activity the cloud host must register: the core's and StageInputs.</summary>
    public static IReadOnlyList<string> ActivityNamesAll { get; } = [.. ActivityNames.All, .. HostingActivityNames.All];

    /// <summary>Adds StageInputs to a registry that already holds the pipeline's activities.</summary>
    public static ActivityRegistry AddHostActivities(ActivityRegistry registry, JobStores stores, JobLimits? limits = null) =>
        registry.Add(HostingActivityNames.StageInputs, new StageInputsActivity(stores, limits));
}
