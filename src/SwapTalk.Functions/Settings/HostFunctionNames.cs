namespace SwapTalk.Functions.Settings;

/// <summary>
/// Names of the Functions app's trigger functions. Deployment assets refer to some (the Event Grid webhook URL names
/// the blob trigger); the metadata test checks each one is in the build output's functions.metadata.
/// Orchestrator and activity functions are named by the workflow and activity names themselves.
/// </summary>
public static class HostFunctionNames
{
    /// <summary>Blob trigger (Event Grid source) on job manifests in the inbox container.</summary>
    public const string InboxManifest = "InboxManifest";

    /// <summary>Timer trigger that starts the jobs of batch manifests.</summary>
    public const string BatchDubbing = "BatchDubbing";

    /// <summary>HTTP: POST /api/jobs.</summary>
    public const string StartJob = "StartJob";

    /// <summary>HTTP: GET /api/jobs/{jobId}.</summary>
    public const string GetJobStatus = "GetJobStatus";

    /// <summary>HTTP: GET /api/jobs/{jobId}/result.</summary>
    public const string GetJobResult = "GetJobResult";

    /// <summary>HTTP: POST /api/jobs/{jobId}/cancel.</summary>
    public const string CancelJob = "CancelJob";

    /// <summary>HTTP: GET /api/jobs (the page's list).</summary>
    public const string ListJobs = "ListJobs";

    /// <summary>HTTP: GET /api/jobs/{jobId}/files/{file} (the page's videos and images).</summary>
    public const string GetJobFile = "GetJobFile";

    /// <summary>HTTP: POST /api/uploads/{kind} (the page's uploads, checked by content).</summary>
    public const string Upload = "Upload";

    /// <summary>HTTP: GET /api/uploads/{kind}/{uploadId}/thumbnail.</summary>
    public const string GetUploadThumbnail = "GetUploadThumbnail";

    /// <summary>HTTP: GET /api/page/ (the web page; anonymous: it holds no data and asks for a function key).</summary>
    public const string Page = "Page";

    public static IReadOnlyList<string> Triggers { get; } =
        [InboxManifest, BatchDubbing, StartJob, GetJobStatus, GetJobResult, CancelJob, ListJobs, GetJobFile, Upload, GetUploadThumbnail, Page];
}
