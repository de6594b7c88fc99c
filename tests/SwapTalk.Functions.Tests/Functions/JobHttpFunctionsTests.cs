using Microsoft.DurableTask.Client;
using SwapTalk.Core.Storage;
using SwapTalk.Functions.Functions;
using SwapTalk.Http;
using SwapTalk.Functions.Settings;
using SwapTalk.Functions.Tests.Host;
using static SwapTalk.Functions.Tests.Host.HttpCalls;

namespace SwapTalk.Functions.Tests.Functions;

/// <summary>
/// The four HTTP functions, called with real ASP.NET Core requests against the Durable test host's client and Azurite:
/// a job's whole life (start, progress, result link that downloads, cancel) and every 4xx with its RFC 7807 body.
/// </summary>
public sealed class JobHttpFunctionsTests : IAsyncLifetime
{
    private CloudHost _host = null!;
    private JobHttpFunctions _functions = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await CloudHost.StartAsync([(AppSettingNames.MaxRequestBytes, "2048")]);
        _functions = new JobHttpFunctions(_host.Get<JobApi>());
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private DurableTaskClient Client => _host.Client;

    private Task<HttpAnswer> Start(string? body, string? contentType = "application/json", IReadOnlyDictionary<string, string>? headers = null) =>
        SendAsync(Request("POST", "/api/jobs", body, contentType, headers), r => _functions.StartJob(r, Client));

    private Task<HttpAnswer> Status(string jobId) => SendAsync(Request("GET", $"/api/jobs/{jobId}", contentType: null), r => _functions.GetJobStatus(r, jobId, Client));
    private Task<HttpAnswer> Result(string jobId) => SendAsync(Request("GET", $"/api/jobs/{jobId}/result", contentType: null), r => _functions.GetJobResult(r, jobId, Client));
    private Task<HttpAnswer> Cancel(string jobId) => SendAsync(Request("POST", $"/api/jobs/{jobId}/cancel", contentType: null), r => _functions.CancelJob(r, jobId, Client));

    private static void ShouldBeProblem(HttpAnswer answer, int status, string slug, string detailPart)
    {
        answer.Status.Should().Be(status, answer.Body);
        answer.Headers.ContentType.ToString().Should().StartWith("application/problem+json");
        var problem = answer.Problem;
        problem.Status.Should().Be(status);
        problem.Type.Should().Be("urn:swaptalk:problem:" + slug);
        problem.Title.Should().NotBeNullOrWhiteSpace();
        problem.Detail.Should().Contain(detailPart);
        problem.Instance.Should().StartWith("/api/jobs").And.NotContain("code=", "the function key is never echoed");
        answer.Body.Should().NotContain("FUNCTION-KEY");
    }

    [Fact]
    public async Task A_job_starts_with_202_and_Location_reports_progress_then_links_a_result_that_downloads_from_azurite()
    {
        var manifest = await _host.UploadInputsAsync("alice", Ct);
        var started = await Start(manifest);
        started.Status.Should().Be(202, started.Body);
        var jobId = started.Json.GetProperty("id").GetString()!;
        started.Headers.Location.ToString().Should().Be($"https://{HttpCalls.Host}/api/jobs/{jobId}");
        started.Headers.RetryAfter.ToString().Should().Be(JobApi.RetryAfterSeconds.ToString());
        started.Json.GetProperty("statusQueryGetUri").GetString().Should().Be(started.Headers.Location.ToString());

        var instance = await _host.WaitForStatusAsync(jobId, Ct);
        instance.RuntimeStatus.Should().Be(OrchestrationRuntimeStatus.Running);
        var running = await Status(jobId);
        running.Status.Should().Be(202, running.Body);
        running.Json.GetProperty("status").GetString().Should().Be("running");
        running.Json.GetProperty("phase").GetString().Should().Be("rendering");
        var progress = running.Json.GetProperty("progress");
        progress.GetProperty("segmentsDone").GetInt32().Should().Be(1);
        progress.GetProperty("segmentsTotal").GetInt32().Should().Be(3);
        progress.GetProperty("percent").GetDouble().Should().Be(33.3);

        var early = await Result(jobId);
        ShouldBeProblem(early, 409, "not-succeeded", "running");

        (await _host.FinishAsync(jobId, Ct)).RuntimeStatus.Should().Be(OrchestrationRuntimeStatus.Completed);
        var done = await Status(jobId);
        done.Status.Should().Be(200, done.Body);
        done.Json.GetProperty("status").GetString().Should().Be("succeeded");
        done.Json.GetProperty("progress").GetProperty("percent").GetDouble().Should().Be(100);
        done.Json.GetProperty("outputBlob").GetString().Should().Be(BlobNames.Output(jobId));

        var result = await Result(jobId);
        result.Status.Should().Be(200, result.Body);
        result.Headers.CacheControl.ToString().Should().Be("no-store");
        var url = new Uri(result.Json.GetProperty("url").GetString()!);
        url.Query.Should().Contain("sp=r", "read-only");
        using var http = new HttpClient();
        (await http.GetByteArrayAsync(url, Ct)).Should().Equal(StandInDubJob.OutputBytes(jobId));
        result.Json.GetProperty("sizeBytes").GetInt64().Should().Be(StandInDubJob.OutputBytes(jobId).Length);

        var again = await Cancel(jobId);
        ShouldBeProblem(again, 409, "already-finished", "succeeded");

        await _host.Get<SwapTalk.Azure.Starting.JobStores>().Jobs.DeleteAsync(BlobNames.Output(jobId), Ct);
        ShouldBeProblem(await Result(jobId), 410, "result-gone", jobId);
    }

    [Fact]
    public async Task The_same_idempotency_key_and_manifest_start_one_job()
    {
        var manifest = await _host.UploadInputsAsync("bob", Ct);
        var key = new Dictionary<string, string> { [JobApi.IdempotencyKeyHeader] = "order-42" };
        var first = await Start(manifest, headers: key);
        var second = await Start(manifest, headers: key);
        first.Status.Should().Be(202);
        second.Status.Should().Be(202);
        second.Json.GetProperty("id").GetString().Should().Be(first.Json.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Cancel_terminates_a_running_job_and_its_status_says_canceled()
    {
        var manifest = await _host.UploadInputsAsync("carol", Ct);
        var jobId = (await Start(manifest)).Json.GetProperty("id").GetString()!;
        await _host.WaitForStatusAsync(jobId, Ct);

        var canceled = await Cancel(jobId);
        canceled.Status.Should().Be(202, canceled.Body);
        canceled.Headers.Location.ToString().Should().EndWith($"/api/jobs/{jobId}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        (await Client.WaitForInstanceCompletionAsync(jobId, timeout.Token)).RuntimeStatus.Should().Be(OrchestrationRuntimeStatus.Terminated);

        var status = await Status(jobId);
        status.Status.Should().Be(200);
        status.Json.GetProperty("status").GetString().Should().Be("canceled");
        ShouldBeProblem(await Result(jobId), 409, "not-succeeded", "canceled");
    }

    [Fact]
    public async Task Every_bad_start_request_gets_a_problem_body_naming_what_is_wrong()
    {
        ShouldBeProblem(await Start("{}", contentType: "text/plain"), 415, "unsupported-media-type", "Content-Type: application/json");
        ShouldBeProblem(await Start(new string(' ', 3000)), 413, "body-too-large", "2048 bytes");
        ShouldBeProblem(await Start(""), 400, "empty-body", "empty");
        ShouldBeProblem(await Start("{ not json"), 400, "invalid-json", "not valid JSON");
        ShouldBeProblem(await Start("{}", headers: new Dictionary<string, string> { [JobApi.IdempotencyKeyHeader] = "white space" }),
            400, "bad-idempotency-key", JobApi.IdempotencyKeyHeader);

        var invalid = await Start("{\"video\":\"https://acct.blob.core.windows.net/x/talk.mp4?sig=SECRET\"}");
        ShouldBeProblem(invalid, 422, "invalid-job", "problem(s)");
        invalid.Body.Should().NotContain("SECRET", "a SAS token pasted into a field is never echoed");
        var fields = invalid.Json.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        fields.Should().Contain(["portrait", "video"]);

        var missing = await Start(CloudHost.Manifest($"{_host.Inbox}/nobody/face.png", $"{_host.Inbox}/nobody/talk.mp4"));
        ShouldBeProblem(missing, 422, "invalid-job", "problem(s)");
        missing.Body.Should().Contain("does not exist");
    }

    [Fact]
    public async Task Unknown_and_malformed_job_ids_are_404_and_400_on_every_job_endpoint()
    {
        foreach (var call in new Func<string, Task<HttpAnswer>>[] { Status, Result, Cancel })
        {
            ShouldBeProblem(await call("no-such-job"), 404, "job-not-found", "no-such-job");
            var bad = await call("Bad Id!");
            ShouldBeProblem(bad, 400, "bad-job-id", "is not a job id");
            bad.Json.GetProperty("errors")[0].GetProperty("field").GetString().Should().Be("jobId");
        }
    }
}
