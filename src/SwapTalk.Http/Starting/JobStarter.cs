using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Starting;

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

/// <summary>
/// The failed-job record: jobs/{jobId}/report.json with outcome failed and the reason, written for a manifest a
/// trigger cannot start (bad JSON, bad options, missing inputs) instead of throwing. Throwing would make the
/// runtime deliver the same bad manifest again and again (a poison loop); the record answers the caller's status
/// query instead. The first record wins: a duplicate delivery does not rewrite it.
/// </summary>
public sealed class FailedJobRecords(IBlobStore jobs, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The step failed-job records name (the workflow's steps are plan, prepare, render, stitch...).</summary>
    public const string Step = "validate";

    /// <returns>True when this call wrote the record, false when one was already there.</returns>
    public async Task<bool> WriteAsync(string jobId, CloudJobManifest? parsed, IReadOnlyList<JobInputError> errors, CancellationToken cancellationToken)
    {
        JobIds.Validate(jobId);
        if (errors.Count == 0) throw new ArgumentException("a failed-job record needs a reason", nameof(errors));
        var now = _time.GetUtcNow().UtcDateTime;
        var redacted = errors.Select(e => new JobInputError(Redaction.Echo(e.Input), Redaction.Message(e.Message))).ToList();
        var report = new JobReport
        {
            JobId = jobId,
            Outcome = JobOutcome.Failed,
            Mode = parsed is null ? null : parsed.Audio is null ? JobMode.SelfDriven : JobMode.CrossDriven,
            LengthPolicy = parsed?.Options?.LengthPolicy ?? LengthPolicy.PingPong,
            Inputs = new JobInputBlobs(Redaction.Echo(parsed?.Portrait), Redaction.Echo(parsed?.Video), parsed?.Audio is { } a ? Redaction.Echo(a) : null),
            StartedUtc = now,
            FinishedUtc = now,
            Failure = new JobFailure(Step, typeof(BadInputException).FullName!, new BadInputException(redacted).Message, BadInput: true),
        };
        try
        {
            await jobs.WriteJsonAsync(BlobNames.Report(jobId), report,
                options: new BlobWriteOptions { ContentType = "application/json", Overwrite = false }, cancellationToken: cancellationToken);
            return true;
        }
        catch (BlobAlreadyExistsException)
        {
            return false;
        }
    }
}
