using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using SwapTalk.Functions.Functions;
using SwapTalk.Functions.Http;
using SwapTalk.Functions.Settings;
using SwapTalk.Functions.Tests.Host;
using SwapTalk.Http;
using SwapTalk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static SwapTalk.Functions.Tests.Host.HttpCalls;

namespace SwapTalk.Functions.Tests.Functions;

/// <summary>
/// The page on the cloud host and the endpoints it needs (the same shared handlers as <c>swaptalk serve</c>), called
/// with real ASP.NET Core requests against the Durable test host and Azurite: the page's files, the job list, a
/// job's files, and uploads checked by content with the real face detector, stored in the inbox under a server name.
/// </summary>
public sealed class PageFunctionsTests : IAsyncLifetime
{
    private CloudHost _host = null!;
    private PageFunctions _page = null!;
    private JobHttpFunctions _jobs = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // The real face models, where the shared data is (the upload tests need them; the rest do not).
        var models = SharedData.Dir is { } dir ? Path.Combine(dir, "models") : "/opt/swaptalk/models";
        // The host reads the process environment into its configuration (PATH finds ffmpeg); here it is given.
        _host = await CloudHost.StartAsync([(AppSettingNames.ModelsDir, models), ("PATH", Environment.GetEnvironmentVariable("PATH") ?? "")]);
        _page = new PageFunctions(_host.Get<JobApi>(), _host.Get<UploadApi>(), _host.Get<SwapTalk.Core.Hosting.Starting.JobStores>());
        _jobs = new JobHttpFunctions(_host.Get<JobApi>());
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private DurableTaskClient Client => _host.Client;

    /// <summary>The Functions host gives every request its services; results (redirect, file stream) log through them.</summary>
    private static readonly IServiceProvider RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider();

    private static HttpRequest Request(string method, string path, string? body = null, string? contentType = "application/json",
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var request = HttpCalls.Request(method, path, body, contentType, headers);
        request.HttpContext.RequestServices = RequestServices;
        return request;
    }

    [Fact]
    public async Task The_page_is_served_from_the_app_with_its_script_and_style_and_nothing_else()
    {
        var bare = await SendAsync(Request("GET", "/api/page", contentType: null), r => Task.FromResult(_page.Page(r, null)));
        bare.Status.Should().Be(302);
        bare.Headers.Location.ToString().Should().Be("/api/page/");

        var page = await SendAsync(Request("GET", "/api/page/", contentType: null), r => Task.FromResult(_page.Page(r, null)));
        page.Status.Should().Be(200);
        page.Headers.ContentType.ToString().Should().Be("text/html; charset=utf-8");
        page.Body.Should().Contain("<script src=\"app.js\"").And.Contain("<link rel=\"stylesheet\" href=\"app.css\">").And.NotContain("http://").And.NotContain("https://");
        page.Headers.ContentSecurityPolicy.ToString().Should().Contain("default-src 'self'");

        var script = await SendAsync(Request("GET", "/api/page/app.js", contentType: null), r => Task.FromResult(_page.Page(r, "app.js")));
        script.Status.Should().Be(200);
        script.Headers.ContentType.ToString().Should().StartWith("text/javascript");
        script.Body.Should().Contain("x-functions-key");

        var again = Request("GET", "/api/page/app.js", contentType: null, headers: new Dictionary<string, string> { ["If-None-Match"] = script.Headers.ETag.ToString() });
        (await SendAsync(again, r => Task.FromResult(_page.Page(r, "app.js")))).Status.Should().Be(304);
        (await SendAsync(Request("GET", "/api/page/../host.json", contentType: null), r => Task.FromResult(_page.Page(r, "../host.json")))).Status.Should().Be(404);
    }

    [Fact]
    public async Task The_list_shows_jobs_newest_first_and_a_finished_job_serves_its_video_by_name()
    {
        var first = (await SendAsync(Request("POST", "/api/jobs", await _host.UploadInputsAsync("one", Ct)), r => _jobs.StartJob(r, Client))).Json.GetProperty("id").GetString()!;
        await Task.Delay(20, Ct);
        var second = (await SendAsync(Request("POST", "/api/jobs", await _host.UploadInputsAsync("two", Ct)), r => _jobs.StartJob(r, Client))).Json.GetProperty("id").GetString()!;
        await _host.WaitForStatusAsync(second, Ct);

        var list = await SendAsync(Request("GET", "/api/jobs", contentType: null), r => _page.ListJobs(r, Client));
        list.Status.Should().Be(200, list.Body);
        var ids = list.Json.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()).ToList();
        ids.Should().Equal(second, first);
        list.Json.GetProperty("jobs")[0].GetProperty("links").GetProperty("status").GetString().Should().Be($"https://{HttpCalls.Host}/api/jobs/{second}");

        var early = await SendAsync(Request("GET", $"/api/jobs/{first}/files/output", contentType: null), r => _page.GetJobFile(r, first, "output", Client));
        early.Status.Should().Be(404);
        early.Problem.Type.Should().Be("urn:swaptalk:problem:file-not-found");

        await _host.FinishAsync(first, Ct);
        var video = await SendAsync(Request("GET", $"/api/jobs/{first}/files/output", contentType: null), r => _page.GetJobFile(r, first, "output", Client));
        video.Status.Should().Be(200);
        video.Headers.ContentType.ToString().Should().Be("video/mp4");
        video.Body.Should().Be(Encoding.UTF8.GetString(StandInDubJob.OutputBytes(first)));

        var unknown = await SendAsync(Request("GET", $"/api/jobs/{first}/files/../report.json", contentType: null), r => _page.GetJobFile(r, first, "../report.json", Client));
        unknown.Status.Should().Be(400);
        unknown.Problem.Type.Should().Be("urn:swaptalk:problem:unknown-file");
        var none = await SendAsync(Request("GET", "/api/jobs/api-nope/files/preview", contentType: null), r => _page.GetJobFile(r, "api-nope", "preview", Client));
        none.Status.Should().Be(404);
    }

    [Fact]
    public async Task An_upload_is_checked_by_content_and_stored_in_the_inbox_under_a_name_from_its_hash()
    {
        var portrait = await File.ReadAllBytesAsync(SharedData.Face, Ct);
        var upload = Request("POST", "/api/uploads/portrait", contentType: "application/octet-stream");
        upload.Body = new MemoryStream(portrait);
        upload.ContentLength = portrait.Length;
        var answer = await SendAsync(upload, r => _page.Upload(r, "portrait"));
        answer.Status.Should().Be(201, answer.Body);
        var blob = answer.Json.GetProperty("blob").GetString()!;
        var id = answer.Json.GetProperty("id").GetString()!;
        blob.Should().Be($"{_host.Inbox}/uploads/{id}.png");
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(portrait)).Should().StartWith(id);
        answer.Json.GetProperty("portrait").GetProperty("facesFound").GetInt32().Should().Be(1);
        var stored = _host.Blobs.GetBlobContainerClient(_host.Inbox).GetBlobClient($"uploads/{id}.png");
        (await stored.DownloadContentAsync(Ct)).Value.Content.ToArray().Should().Equal(portrait);

        var thumbnail = await SendAsync(Request("GET", $"/api/uploads/portrait/{id}/thumbnail", contentType: null), r => _page.GetUploadThumbnail(r, "portrait", id));
        thumbnail.Status.Should().Be(200);
        thumbnail.Headers.ContentType.ToString().Should().Be("image/png");

        // The reference starts a job like any manifest.
        var manifest = CloudHost.Manifest(blob, blob);
        (await SendAsync(Request("POST", "/api/jobs", manifest), r => _jobs.StartJob(r, Client))).Status.Should().Be(202);

        var text = Request("POST", "/api/uploads/portrait", contentType: "image/png");
        text.Body = new MemoryStream(Encoding.UTF8.GetBytes("not a picture at all"));
        var refused = await SendAsync(text, r => _page.Upload(r, "portrait"));
        refused.Status.Should().Be(422, refused.Body);
        refused.Problem.Type.Should().Be("urn:swaptalk:problem:invalid-upload");
        refused.Body.Should().Contain("\"field\":\"portrait\"").And.Contain("the uploaded portrait is not an image").And.NotContain("/tmp/");

        var huge = Request("POST", "/api/uploads/video", contentType: "video/mp4");
        huge.ContentLength = PageFunctions.MaxUploadBytes + 1;
        var tooLarge = await SendAsync(huge, r => _page.Upload(r, "video"));
        tooLarge.Status.Should().Be(413);
        tooLarge.Body.Should().Contain("\"field\":\"video\"");
        (await SendAsync(Request("POST", "/api/uploads/script", contentType: "text/plain"), r => _page.Upload(r, "script"))).Status.Should().Be(400);
    }
}
