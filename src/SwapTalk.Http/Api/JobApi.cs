using System.Text.RegularExpressions;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Hosting;

namespace SwapTalk.Http;

/// <summary>What the start endpoint answers: the job's id and the API's own URLs for it.</summary>
public sealed record JobAccepted(string Id, Uri StatusQueryGetUri, Uri ResultGetUri, Uri CancelPostUri);

/// <summary>A short-lived read-only link to the finished video.</summary>
public sealed record JobResultView(string Id, Uri Url, DateTimeOffset ExpiresOn, string Blob, long SizeBytes, string ContentType);

/// <summary>
/// The job HTTP API, host-independent: every decision of the four endpoints (validation, status codes, problem
/// bodies, links, the result URL's policy) lives here; the Functions app turns its request into an
/// <see cref="ApiRequest"/>, calls one method and writes the <see cref="ApiResponse"/> back.
/// <list type="bullet">
/// <item><c>POST /api/jobs</c>: 202 + Location (or 413, 415, 400 bad JSON, 422 invalid job);</item>
/// <item><c>GET /api/jobs/{id}</c>: 202 while pending/running (Retry-After), 200 once finished, 404;</item>
/// <item><c>GET /api/jobs/{id}/result</c>: 200 with a read-only URL, 409 not succeeded, 410 output gone, 404;</item>
/// <item><c>POST /api/jobs/{id}/cancel</c>: 202, 409 already finished, 404;</item>
/// <item><c>GET /api/jobs</c>: the newest jobs with their state (the page's list);</item>
/// <item><c>GET /api/jobs/{id}/files/{file}</c>: the job's video, original, portrait, preview sheet and evaluation
/// (<see cref="JobFiles"/>), 404 when the job or the file does not exist (yet).</item>
/// </list>
/// </summary>
public sealed partial class JobApi(
    CloudManifestReader reader, JobStarter starter, IBlobStore jobs, IResultUrlSigner signer, JobApiOptions settings, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Seconds a poller should wait before asking again while a job runs.</summary>
    public const int RetryAfterSeconds = 10;

    public async Task<ApiResponse> StartAsync(ApiRequest request, IJobInstances instances, CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(request, settings.MaxRequestBytes, cancellationToken);
        if (problem is not null) return ApiResponse.From(problem);

        var key = request.Header(IdempotencyKeyHeader);
        if (key is not null && !IdempotencyKey().IsMatch(key))
            return ApiResponse.From(Problem.BadRequest("bad-idempotency-key", "Bad Idempotency-Key",
                $"the {IdempotencyKeyHeader} header must be 1..200 characters of A-Z, a-z, 0-9, '-', '_', '.', ':'", request.Path,
                [new ProblemError(IdempotencyKeyHeader, "not a valid key")]));

        var check = reader.Read(body!, "body");
        if (!check.IsValid)
        {
            var errors = check.Errors.Select(e => new ProblemError(e.Input, e.Message)).ToList();
            return ApiResponse.From(check.Parsed is null
                ? Problem.BadRequest("invalid-json", "Malformed job manifest", "the body is not a job manifest: " + errors[0].Message, request.Path, errors)
                : Problem.Of(422, "invalid-job", "Invalid job", $"the job manifest has {errors.Count} problem(s)", request.Path, errors));
        }

        var jobId = TriggerInstanceIds.FromApiRequest(key ?? Guid.NewGuid().ToString("N"), check.Manifest!.CanonicalJson);
        var outcome = await starter.StartAsync(jobId, check.Manifest, instances, cancellationToken);
        if (outcome is JobStartOutcome.Rejected rejected)
            return ApiResponse.From(Problem.Of(422, "invalid-job", "Invalid job", $"the job manifest has {rejected.Errors.Count} problem(s)", request.Path,
                rejected.Errors.Select(e => new ProblemError(e.Input, e.Message)).ToList()));

        // A repeated request (same key, same manifest) gets the same answer as the first: the job it started.
        var links = JobLinks.For(request, jobId);
        return ApiResponse.Json(202, new JobAccepted(jobId, links.Status, links.Result, links.Cancel), Polling(links));
    }

    public async Task<ApiResponse> StatusAsync(ApiRequest request, string jobId, IJobInstances instances, CancellationToken cancellationToken)
    {
        if (BadJobId(request, jobId) is { } bad) return bad;
        var view = await ViewAsync(request, jobId, instances, cancellationToken);
        if (view is null) return NotFound(request, jobId);
        return view.IsFinished ? ApiResponse.Json(200, view) : ApiResponse.Json(202, view, Polling(view.Links));
    }

    public async Task<ApiResponse> ResultAsync(ApiRequest request, string jobId, IJobInstances instances, CancellationToken cancellationToken)
    {
        if (BadJobId(request, jobId) is { } bad) return bad;
        var view = await ViewAsync(request, jobId, instances, cancellationToken);
        if (view is null) return NotFound(request, jobId);
        if (view.Status != JobStatusView.Succeeded)
            return ApiResponse.From(Problem.Of(409, "not-succeeded", "No result",
                $"job '{jobId}' is {view.Status}{(view.Failure is { } f ? $" ({f.Step}: {f.Message})" : "")}; a result exists once it has succeeded", request.Path));
        if (view.OutputBlob is not { } blob || await jobs.GetPropertiesAsync(blob, cancellationToken) is not { } output)
            return ApiResponse.From(Problem.Of(410, "result-gone", "Result gone",
                $"job '{jobId}' succeeded, but its output is no longer stored", request.Path));

        var window = ResultUrlPolicy.Window(_time.GetUtcNow(), settings.ResultUrlMinutes);
        var url = await signer.SignReadAsync(blob, window, cancellationToken);
        // A signer of the host's own file route answers a path: it becomes a link on the host the caller reached.
        if (!url.IsAbsoluteUri) url = new Uri(JobLinks.Root(request), url);
        return ApiResponse.Json(200, new JobResultView(jobId, url, window.ExpiresOn, blob, output.ContentLength, output.ContentType),
            new Dictionary<string, string> { ["Cache-Control"] = "no-store" });
    }

    public async Task<ApiResponse> CancelAsync(ApiRequest request, string jobId, IJobInstances instances, CancellationToken cancellationToken)
    {
        if (BadJobId(request, jobId) is { } bad) return bad;
        var view = await ViewAsync(request, jobId, instances, cancellationToken);
        if (view is null) return NotFound(request, jobId);
        if (view.IsFinished)
            return ApiResponse.From(Problem.Of(409, "already-finished", "Already finished", $"job '{jobId}' has already {view.Status}", request.Path));
        await instances.CancelAsync(jobId, "canceled through the API", cancellationToken);
        return ApiResponse.Json(202, new { id = jobId, status = "canceling" }, new Dictionary<string, string> { ["Location"] = view.Links.Status.ToString() });
    }

    /// <summary>The newest jobs first, at most <paramref name="max"/>, each as its status body.</summary>
    public async Task<ApiResponse> ListAsync(ApiRequest request, IJobInstances instances, int max, CancellationToken cancellationToken)
    {
        var listed = await instances.ListAsync(max, cancellationToken);
        var views = new List<JobStatusView>(listed.Count);
        foreach (var instance in listed)
            if (JobIds.IsValid(instance.InstanceId)
                && JobStatusProjection.Project(instance.InstanceId, instance, null, JobLinks.For(request, instance.InstanceId)) is { } view)
                views.Add(view);
        return ApiResponse.Json(200, new JobListView(views), new Dictionary<string, string> { ["Cache-Control"] = "no-store" });
    }

    /// <summary>
    /// One of the job's files for the page (<see cref="JobFiles"/>): the blob's name and type, or the problem (400 unknown
    /// file, 404 no such job or not written yet). The host streams the blob (with ranges, so a video can seek).
    /// </summary>
    public async Task<(JobFile? File, ApiResponse? Problem)> FileAsync(ApiRequest request, string jobId, string file, IJobInstances instances,
        CancellationToken cancellationToken)
    {
        if (BadJobId(request, jobId) is { } bad) return (null, bad);
        if (!JobFiles.IsKnown(file))
            return (null, ApiResponse.From(Problem.BadRequest("unknown-file", "Unknown file",
                $"'{Redaction.Echo(file)}' is not a job file; the files are {string.Join(", ", JobFiles.All)}", request.Path,
                [new ProblemError("file", "not a job file")])));
        var view = await ViewAsync(request, jobId, instances, cancellationToken);
        if (view is null) return (null, NotFound(request, jobId));
        var blob = await JobFiles.BlobAsync(jobs, jobId, file, view.OutputBlob, cancellationToken);
        if (blob is null || await jobs.GetPropertiesAsync(blob, cancellationToken) is not { } properties)
            return (null, ApiResponse.From(Problem.Of(404, "file-not-found", "File not found",
                $"job '{jobId}' has no {file} (yet){(view.IsFinished ? "" : $"; the job is {view.Status}")}", request.Path)));
        return (new JobFile(blob, JobFiles.ContentType(blob), properties.ContentLength), null);
    }

    private async Task<JobStatusView?> ViewAsync(ApiRequest request, string jobId, IJobInstances instances, CancellationToken cancellationToken)
    {
        var instance = await instances.GetAsync(jobId, cancellationToken);
        JobReport? report = null;
        var reportName = BlobNames.Report(jobId);
        if (await jobs.ExistsAsync(reportName, cancellationToken))
        {
            try
            {
                report = await jobs.ReadJsonAsync<JobReport>(reportName, cancellationToken: cancellationToken);
            }
            catch (BlobStoreException)
            {
                // A report being replaced or unreadable: the instance still says where the job is.
            }
        }
        return JobStatusProjection.Project(jobId, instance, report, JobLinks.For(request, jobId));
    }

    private static Dictionary<string, string> Polling(JobLinks links) => new()
    {
        ["Location"] = links.Status.ToString(),
        ["Retry-After"] = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static ApiResponse? BadJobId(ApiRequest request, string jobId) =>
        JobIds.IsValid(jobId)
            ? null
            : ApiResponse.From(Problem.BadRequest("bad-job-id", "Bad job id",
                $"'{Redaction.Echo(jobId)}' is not a job id; ids are 1..{JobIds.MaxLength} characters of a-z, 0-9, '-' and '_'", request.Path,
                [new ProblemError("jobId", "not a job id")]));

    private static ApiResponse NotFound(ApiRequest request, string jobId) =>
        ApiResponse.From(Problem.Of(404, "job-not-found", "Job not found", $"no job '{jobId}' exists", request.Path));

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,200}$")]
    private static partial Regex IdempotencyKey();
}
