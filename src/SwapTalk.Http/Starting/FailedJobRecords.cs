using SwapTalk.Core.Activities;
using SwapTalk.Azure.Manifests;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Azure;

namespace SwapTalk.Http;

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
