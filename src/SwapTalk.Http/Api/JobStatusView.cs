using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Workflow;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;

namespace SwapTalk.Http;

/// <summary>The job API's own URLs for one job (never Durable's built-in ones: those carry the Durable system key).</summary>
public sealed record JobLinks(Uri Status, Uri Result, Uri Cancel)
{
    /// <summary>host.json's <c>extensions.http.routePrefix</c>.</summary>
    public const string RoutePrefix = "api";

    /// <summary>The route templates of the HTTP functions (below the prefix).</summary>
    public const string JobsRoute = "jobs";
    public const string FileRoute = "jobs/{jobId}/files/{file}";
    public const string UploadsRoute = "uploads/{kind}";
    public const string UploadThumbnailRoute = "uploads/{kind}/{uploadId}/thumbnail";
    public const string JobRoute = "jobs/{jobId}";
    public const string ResultRoute = "jobs/{jobId}/result";
    public const string CancelRoute = "jobs/{jobId}/cancel";

    /// <summary>
    /// Links on the host the caller reached (behind TLS-terminating ingress the scheme comes from
    /// X-Forwarded-Proto); the request's query (which may hold <c>code=</c>) is never copied.
    /// </summary>
    public static JobLinks For(ApiRequest request, string jobId)
    {
        var root = Root(request);
        var job = $"{RoutePrefix}/jobs/{Uri.EscapeDataString(jobId)}";
        return new JobLinks(new Uri(root, job), new Uri(root, job + "/result"), new Uri(root, job + "/cancel"));
    }

    /// <summary>The scheme, host and port the caller reached, with no path or query.</summary>
    public static Uri Root(ApiRequest request)
    {
        var forwarded = request.Header("X-Forwarded-Proto")?.Split(',')[0].Trim().ToLowerInvariant();
        var scheme = forwarded is "https" or "http" ? forwarded : request.Url.Scheme;
        return new UriBuilder(request.Url) { Scheme = scheme, Port = scheme == request.Url.Scheme ? request.Url.Port : -1, Query = "", Fragment = "", Path = "" }.Uri;
    }
}

/// <summary>
/// Progress from the workflow's custom status: segments and frames done of the total; frames per second and the time
/// left where the host measures them (the embedded executor does, per segment; Durable's custom status does not).
/// </summary>
public sealed record JobProgressView(int SegmentsDone, int SegmentsTotal, int FramesDone, int FramesTotal, double? Percent,
    double? FramesPerSecond = null, double? SecondsLeft = null);

/// <summary>The list endpoint's body.</summary>
public sealed record JobListView(IReadOnlyList<JobStatusView> Jobs);

/// <summary>Why a job failed: the step, the (redacted) root-cause message, and whether the input was at fault.</summary>
public sealed record JobFailureView(string Step, string Message, bool BadInput);

/// <summary>
/// The status body: <c>status</c> is pending | running | succeeded | failed | canceled | unknown; <c>phase</c> is the
/// workflow's (staging, planning, preparing, rendering, stitching, reporting, done, failed).
/// </summary>
public sealed record JobStatusView(
    string Id,
    string Status,
    string? Phase,
    JobProgressView? Progress,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastUpdatedAt,
    JobFailureView? Failure,
    string? OutputBlob,
    JobLinks Links)
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
    public const string Unknown = "unknown";

    public bool IsFinished => Status is Succeeded or Failed or Canceled;
}

/// <summary>
/// Projects what the runtime knows (instance state, custom status, output) and what the job wrote (its report) onto
/// the status body. A job a trigger rejected has no instance, only its failed-job record, and is reported failed.
/// </summary>
public static class JobStatusProjection
{
    /// <returns>The view, or null when neither an instance nor a report exists for the id.</returns>
    public static JobStatusView? Project(string jobId, JobInstanceInfo? instance, JobReport? report, JobLinks links)
    {
        if (instance is null && report is null) return null;
        var status = instance is null
            ? report!.Outcome == JobOutcome.Succeeded ? JobStatusView.Succeeded : JobStatusView.Failed
            : instance.State switch
            {
                JobRuntimeState.Pending => JobStatusView.Pending,
                JobRuntimeState.Running or JobRuntimeState.Suspended => JobStatusView.Running,
                JobRuntimeState.Completed => JobStatusView.Succeeded,
                JobRuntimeState.Failed => JobStatusView.Failed,
                JobRuntimeState.Terminated => JobStatusView.Canceled,
                _ => JobStatusView.Unknown,
            };

        var custom = ReadCustomStatus(instance?.CustomStatusJson);
        var phase = custom?.Phase ?? (instance is null ? report!.Outcome == JobOutcome.Succeeded ? JobStatus.Done : JobStatus.Failed : null);
        var live = status == JobStatusView.Running ? instance?.Live : null;
        var progress = custom is null ? null : new JobProgressView(custom.SegmentsDone, custom.SegmentsTotal, custom.FramesDone, custom.FramesTotal,
            status == JobStatusView.Succeeded ? 100 : custom.FramesTotal > 0 ? Math.Round(100.0 * custom.FramesDone / custom.FramesTotal, 1) : null,
            live?.FramesPerSecond is { } fps ? Math.Round(fps, 2) : null, live?.SecondsLeft is { } left ? Math.Round(left, 1) : null);

        JobFailureView? failure = null;
        if (status == JobStatusView.Failed)
            failure = report?.Failure is { } f
                ? new JobFailureView(f.Step, Redaction.Message(f.Message), f.BadInput)
                : new JobFailureView("unknown", Redaction.Message(instance?.FailureMessage ?? "the job failed without a report"), false);
        else if (status == JobStatusView.Canceled)
            failure = new JobFailureView("canceled", Redaction.Message(instance?.FailureMessage ?? "the job was canceled"), false);

        var output = status == JobStatusView.Succeeded ? OutputBlobOf(instance, report) : null;
        return new JobStatusView(jobId, status, phase, progress, instance?.CreatedAt ?? report?.StartedUtc,
            instance?.LastUpdatedAt ?? report?.FinishedUtc, failure, output, links);
    }

    /// <summary>The finished video's blob: from the workflow's output, else from the report.</summary>
    public static string? OutputBlobOf(JobInstanceInfo? instance, JobReport? report)
    {
        if (instance?.OutputJson is { } json)
        {
            try
            {
                if (JsonSerializer.Deserialize<DubJobResult>(json, WorkflowJson.Options)?.OutputBlob is { Length: > 0 } blob) return blob;
            }
            catch (JsonException)
            {
                // Fall back to the report.
            }
        }
        return report?.Outcome == JobOutcome.Succeeded ? report.OutputBlob : null;
    }

    private static JobStatus? ReadCustomStatus(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            return JsonSerializer.Deserialize<JobStatus>(json, WorkflowJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
