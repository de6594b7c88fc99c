using SwapTalk.Azure.Manifests;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Workflow;
using SwapTalk.Azure;
using SwapTalk.Azure.Starting;

namespace SwapTalk.Http;

/// <summary>What starting a job came to.</summary>
public abstract record JobStartOutcome(string JobId)
{
    /// <summary>A new instance was scheduled.</summary>
    public sealed record Started(string JobId) : JobStartOutcome(JobId);

    /// <summary>The id is taken (a duplicate delivery, a repeated request): nothing new was started.</summary>
    public sealed record AlreadyExists(string JobId, JobInstanceInfo Instance) : JobStartOutcome(JobId);

    /// <summary>An input is missing; nothing was started.</summary>
    public sealed record Rejected(string JobId, IReadOnlyList<JobInputError> Errors) : JobStartOutcome(JobId);
}

/// <summary>
/// Starting a validated job, the same for every trigger: an existing instance with the id means a duplicate, so
/// nothing new starts; inputs that do not exist are rejected before anything runs (one cheap existence check per
/// input); then <see cref="CloudDubJobOrchestrator"/> is scheduled. When scheduling fails because another delivery
/// won the race for the id, the outcome is a duplicate too, whatever exception the runtime used to say so.
/// </summary>
public sealed class JobStarter(JobStores stores, string modelsDir, JobRetry? retry = null)
{
    /// <param name="beforeSchedule">Runs once the job is known to be new and its inputs to exist, right before it is
    /// scheduled (the batch timer waits for its rate limiter there, so duplicates and rejects cost no start).</param>
    public async Task<JobStartOutcome> StartAsync(string jobId, ValidManifest manifest, IJobInstances instances, CancellationToken cancellationToken,
        Func<CancellationToken, Task>? beforeSchedule = null)
    {
        JobIds.Validate(jobId);
        ArgumentNullException.ThrowIfNull(manifest);
        if (await instances.GetAsync(jobId, cancellationToken) is { } existing)
            return new JobStartOutcome.AlreadyExists(jobId, existing);

        var missing = new List<JobInputError>();
        foreach (var (field, reference) in Inputs(manifest))
            if (!await stores.Input(reference.Container).ExistsAsync(reference.Name, cancellationToken))
                missing.Add(new JobInputError(field, $"blob '{Redaction.Echo(reference.ToString())}' does not exist; upload it before starting the job"));
        if (missing.Count > 0) return new JobStartOutcome.Rejected(jobId, missing);

        var input = new CloudDubJobInput(jobId, manifest.Portrait.ToString(), manifest.Video.ToString(), manifest.Audio?.ToString(),
            modelsDir, manifest.Options, retry);
        if (beforeSchedule is not null) await beforeSchedule(cancellationToken);
        try
        {
            await instances.StartAsync(CloudWorkflowNames.CloudDubJob, jobId, input, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (await instances.GetAsync(jobId, cancellationToken) is { } raced) return new JobStartOutcome.AlreadyExists(jobId, raced);
            throw;
        }
        return new JobStartOutcome.Started(jobId);
    }

    private static IEnumerable<(string Field, BlobReference Reference)> Inputs(ValidManifest manifest)
    {
        yield return ("portrait", manifest.Portrait);
        yield return ("video", manifest.Video);
        if (manifest.Audio is { } audio) yield return ("audio", audio);
    }
}
