using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using SwapTalk.Core.Storage;

namespace SwapTalk.Http;

/// <summary>
/// The HTTP side of every endpoint, once: request in, <see cref="IResult"/> out. <c>swaptalk serve</c> maps them on
/// Kestrel (<see cref="MapSwapTalk"/>); the Functions app's HTTP functions call the same methods and wrap the result
/// (<see cref="AsActionResult"/>). Decisions (status codes, problems, links) stay in <see cref="JobApi"/> and
/// <see cref="UploadApi"/>.
/// </summary>
public static class JobEndpoints
{
    /// <summary>Where the page lives on <c>swaptalk serve</c> ("/") and under the Functions app's route prefix.</summary>
    public const string FunctionsPageRoute = "page/{*file}";

    public static async Task<IResult> Respond(Task<ApiResponse> answer) => await answer;

    public static Task<IResult> Start(HttpRequest request, JobApi api, IJobInstances instances) =>
        Respond(api.StartAsync(HttpGlue.ToApiRequest(request), instances, request.HttpContext.RequestAborted));

    public static Task<IResult> Status(HttpRequest request, string jobId, JobApi api, IJobInstances instances) =>
        Respond(api.StatusAsync(HttpGlue.ToApiRequest(request), jobId, instances, request.HttpContext.RequestAborted));

    public static Task<IResult> Result(HttpRequest request, string jobId, JobApi api, IJobInstances instances) =>
        Respond(api.ResultAsync(HttpGlue.ToApiRequest(request), jobId, instances, request.HttpContext.RequestAborted));

    public static Task<IResult> Cancel(HttpRequest request, string jobId, JobApi api, IJobInstances instances) =>
        Respond(api.CancelAsync(HttpGlue.ToApiRequest(request), jobId, instances, request.HttpContext.RequestAborted));

    public static Task<IResult> List(HttpRequest request, JobApi api, IJobInstances instances, int max) =>
        Respond(api.ListAsync(HttpGlue.ToApiRequest(request), instances, max, request.HttpContext.RequestAborted));

    public static Task<IResult> Upload(HttpRequest request, string kind, UploadApi uploads) =>
        Respond(uploads.UploadAsync(HttpGlue.ToApiRequest(request), kind, request.HttpContext.RequestAborted));

    /// <summary>A job's file, streamed with range support (a video element seeks with ranges).</summary>
    public static async Task<IResult> File(HttpRequest request, string jobId, string file, JobApi api, IBlobStore jobs, IJobInstances instances)
    {
        var (found, problem) = await api.FileAsync(HttpGlue.ToApiRequest(request), jobId, file, instances, request.HttpContext.RequestAborted);
        if (problem is not null) return problem;
        var stream = await jobs.OpenReadAsync(found!.Blob, request.HttpContext.RequestAborted);
        request.HttpContext.Response.Headers.CacheControl = "no-cache";
        return Results.Stream(stream, found.ContentType, enableRangeProcessing: stream.CanSeek);
    }

    public static async Task<IResult> Thumbnail(HttpRequest request, string kind, string uploadId, UploadApi uploads)
    {
        var (blob, problem) = await uploads.ThumbnailAsync(HttpGlue.ToApiRequest(request), kind, uploadId, request.HttpContext.RequestAborted);
        if (problem is not null) return problem;
        return Results.Stream(await uploads.Store.OpenReadAsync(blob!, request.HttpContext.RequestAborted), "image/png");
    }

    /// <summary>The page's files; revalidated on every load (ETag), so a new version of the app is seen at once.</summary>
    public static IResult Page(HttpRequest request, string? file)
    {
        if (PageFiles.Get(file) is not { } page) return Results.NotFound();
        var headers = request.HttpContext.Response.Headers;
        headers.ETag = page.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        // The page runs only its own script and style and talks only to its own host.
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data: https:; media-src 'self' blob: https:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'";
        if (request.Headers.IfNoneMatch.Contains(page.ETag)) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(page.Content, page.ContentType);
    }

    /// <summary>Every route on a minimal-API host (<c>swaptalk serve</c>): the page at "/", the API under "/api".</summary>
    public static IEndpointRouteBuilder MapSwapTalk(this IEndpointRouteBuilder app, JobApi api, UploadApi uploads, IJobInstances instances, IBlobStore jobs,
        int maxListed)
    {
        var p = JobLinks.RoutePrefix;
        app.MapGet("/", (HttpRequest r) => Page(r, null));
        app.MapGet("/{file}", (HttpRequest r, string file) => Page(r, file)); // only the embedded names exist (PageFiles)
        app.MapPost($"/{p}/{JobLinks.JobsRoute}", (HttpRequest r) => Start(r, api, instances));
        app.MapGet($"/{p}/{JobLinks.JobsRoute}", (HttpRequest r) => List(r, api, instances, maxListed));
        app.MapGet($"/{p}/{JobLinks.JobRoute}", (HttpRequest r, string jobId) => Status(r, jobId, api, instances));
        app.MapGet($"/{p}/{JobLinks.ResultRoute}", (HttpRequest r, string jobId) => Result(r, jobId, api, instances));
        app.MapPost($"/{p}/{JobLinks.CancelRoute}", (HttpRequest r, string jobId) => Cancel(r, jobId, api, instances));
        app.MapGet($"/{p}/{JobLinks.FileRoute}", (HttpRequest r, string jobId, string file) => File(r, jobId, file, api, jobs, instances));
        app.MapPost($"/{p}/{JobLinks.UploadsRoute}", (HttpRequest r, string kind) => Upload(r, kind, uploads));
        app.MapGet($"/{p}/{JobLinks.UploadThumbnailRoute}", (HttpRequest r, string kind, string uploadId) => Thumbnail(r, kind, uploadId, uploads));
        return app;
    }

    /// <summary>For hosts whose functions return MVC results (the Functions app's ASP.NET Core integration).</summary>
    public static IActionResult AsActionResult(this IResult result) => new ResultAction(result);

    private sealed class ResultAction(IResult result) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
    }
}
