using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Functions.Durable;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;

namespace SwapTalk.Functions.Http;

/// <summary>
/// The web page on the cloud host, against this app's own API: the page's files (anonymous: they hold no data; the
/// page asks for a function key and sends it as <c>x-functions-key</c>), and the endpoints the page needs beyond
/// start/status/result/cancel: the job list, a job's files, uploads checked by content and their thumbnails. Every
/// handler is the shared one <c>swaptalk serve</c> maps (<see cref="JobEndpoints"/>).
/// </summary>
public sealed class PageFunctions(JobApi api, UploadApi uploads, JobStores stores)
{
    /// <summary>
    /// The Functions host's own request limit (<c>FUNCTIONS_REQUEST_BODY_SIZE_LIMIT</c>, 100 MB by default) caps uploads
    /// through the page; larger videos go to the inbox container directly (docs/azure.md).
    /// </summary>
    public const long MaxUploadBytes = 100L * 1000 * 1000;

    /// <summary>Most jobs the list shows.</summary>
    public const int MaxListedJobs = 100;

    public static UploadApi CreateUploads(HostSettings settings, JobStores stores, Lazy<PipelineServices> pipeline) =>
        new(stores.Input(settings.InboxContainer), settings.InboxContainer, new LazyInspector(pipeline, settings),
            new UploadOptions(Path.Combine(Path.GetTempPath(), "swaptalk-uploads"), MaxUploadBytes));

    [Function(HostFunctionNames.Page)]
    public IActionResult Page([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = JobEndpoints.FunctionsPageRoute)] HttpRequest request, string? file)
    {
        // Relative links (app.js, app.css) need the folder form of the page's address.
        if (string.IsNullOrEmpty(file) && !request.Path.Value!.EndsWith('/'))
            return Results.Redirect(request.PathBase + request.Path + "/").AsActionResult();
        return JobEndpoints.Page(request, file).AsActionResult();
    }

    [Function(HostFunctionNames.ListJobs)]
    public async Task<IActionResult> ListJobs(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobLinks.JobsRoute)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        (await JobEndpoints.List(request, api, new DurableJobInstances(client), MaxListedJobs)).AsActionResult();

    [Function(HostFunctionNames.GetJobFile)]
    public async Task<IActionResult> GetJobFile(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobLinks.FileRoute)] HttpRequest request, string jobId, string file,
        [DurableClient] DurableTaskClient client) =>
        (await JobEndpoints.File(request, jobId, file, api, stores.Jobs, new DurableJobInstances(client))).AsActionResult();

    [Function(HostFunctionNames.Upload)]
    public async Task<IActionResult> Upload(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobLinks.UploadsRoute)] HttpRequest request, string kind) =>
        (await JobEndpoints.Upload(request, kind, uploads)).AsActionResult();

    [Function(HostFunctionNames.GetUploadThumbnail)]
    public async Task<IActionResult> GetUploadThumbnail(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobLinks.UploadThumbnailRoute)] HttpRequest request, string kind, string uploadId) =>
        (await JobEndpoints.Thumbnail(request, kind, uploadId, uploads)).AsActionResult();

    /// <summary>ONNX Runtime and the face models load on the first upload, not when the app starts.</summary>
    private sealed class LazyInspector(Lazy<PipelineServices> pipeline, HostSettings settings) : IUploadInspector
    {
        public Task<UploadInspection> InspectAsync(string kind, string path, Core.Jobs.FaceSelection selection, CancellationToken cancellationToken) =>
            new MediaUploadInspector(pipeline.Value, settings.ModelsDir, settings.Limits).InspectAsync(kind, path, selection, cancellationToken);
    }
}
