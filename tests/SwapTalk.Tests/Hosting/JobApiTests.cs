using System.Text.Json;
using SwapTalk.Core.Hosting.Http;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Tests.Workflow;

namespace SwapTalk.Tests.Hosting;

/// <summary>The four HTTP endpoints' logic against the real cloud workflow running in-process.</summary>
public sealed class JobApiTests : IAsyncLifetime
{
    private const string Base = "https://swaptalk.example/api/jobs";
    private readonly HostingFixture _host = new();
    private readonly FileUrlSigner _signer;
    private readonly JobApi _api;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public JobApiTests()
    {
        _signer = new FileUrlSigner(_host.Jobs);
        _api = _host.Api(_signer);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;
    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private static JsonElement Body(ApiResponse response) => JsonDocument.Parse(response.Body!).RootElement.Clone();

    private Task<ApiResponse> Start(string body, params (string, string)[] headers) =>
        _api.StartAsync(RequestBodyTests.Json(Base + "?code=FUNCTIONKEY", body, headers), _host.Instances, Ct);

    private Task<ApiResponse> Status(string id) => _api.StatusAsync(RequestBodyTests.Json($"{Base}/{id}?code=FUNCTIONKEY", ""), id, _host.Instances, Ct);
    private Task<ApiResponse> Result(string id) => _api.ResultAsync(RequestBodyTests.Json($"{Base}/{id}/result?code=FUNCTIONKEY", ""), id, _host.Instances, Ct);
    private Task<ApiResponse> Cancel(string id) => _api.CancelAsync(RequestBodyTests.Json($"{Base}/{id}/cancel?code=FUNCTIONKEY", ""), id, _host.Instances, Ct);

    [Fact]
    public async Task A_job_is_started_polled_to_success_and_its_result_linked_read_only_for_a_short_time()
    {
        var manifest = await _host.UploadAsync("alice", new VideoDescriptor(40, "25"), new AudioDescriptor(1.0), ct: Ct);

        var started = await Start(manifest);
        started.StatusCode.Should().Be(202);
        var id = Body(started).GetProperty("id").GetString()!;
        id.Should().StartWith(TriggerInstanceIds.ApiPrefix);
        started.Headers["Location"].Should().Be($"{Base}/{id}");
        started.Headers["Retry-After"].Should().Be("10");
        Body(started).GetProperty("statusQueryGetUri").GetString().Should().Be($"{Base}/{id}");
        Body(started).GetProperty("resultGetUri").GetString().Should().Be($"{Base}/{id}/result");
        Body(started).GetProperty("cancelPostUri").GetString().Should().Be($"{Base}/{id}/cancel");
        started.Body.Should().NotContain("FUNCTIONKEY", "the caller's key is never echoed");
        started.Headers.Values.Should().NotContain(v => v.Contains("FUNCTIONKEY"));

        await _host.Instances.WaitAsync(id, Ct);
        var status = await Status(id);
        status.StatusCode.Should().Be(200);
        Body(status).GetProperty("status").GetString().Should().Be("succeeded");
        Body(status).GetProperty("phase").GetString().Should().Be("done");
        Body(status).GetProperty("progress").GetProperty("framesTotal").GetInt32().Should().Be(25);
        Body(status).GetProperty("outputBlob").GetString().Should().Be($"jobs/{id}/output/dub.mp4");

        var result = await Result(id);
        result.StatusCode.Should().Be(200);
        result.Headers["Cache-Control"].Should().Be("no-store");
        var link = Body(result);
        link.GetProperty("url").GetString().Should().Be(_signer.UrlOf($"jobs/{id}/output/dub.mp4").ToString());
        link.GetProperty("sizeBytes").GetInt64().Should().BeGreaterThan(0);
        var (blob, window) = _signer.Signed.Single();
        blob.Should().Be($"jobs/{id}/output/dub.mp4");
        (window.ExpiresOn - window.StartsOn).Should().Be(TimeSpan.FromMinutes(_host.Settings.ResultUrlMinutes) + ResultUrlPolicy.ClockSkew);
        link.GetProperty("expiresOn").GetDateTimeOffset().Should().Be(window.ExpiresOn);
    }

    [Fact]
    public async Task Repeating_a_request_with_its_idempotency_key_returns_the_same_job()
    {
        var manifest = await _host.UploadAsync("bob", new VideoDescriptor(10, "25"), null, ct: Ct);
        var first = Body(await Start(manifest, ("Idempotency-Key", "order-4711")));
        var again = await Start(manifest, ("Idempotency-Key", "order-4711"));
        again.StatusCode.Should().Be(202);
        Body(again).GetProperty("id").GetString().Should().Be(first.GetProperty("id").GetString());
        var other = Body(await Start(manifest, ("Idempotency-Key", "order-4712")));
        other.GetProperty("id").GetString().Should().NotBe(first.GetProperty("id").GetString());
        var noKey = Body(await Start(manifest));
        noKey.GetProperty("id").GetString().Should().NotBe(first.GetProperty("id").GetString(), "without a key each request is a new job");

        var bad = await Start(manifest, ("Idempotency-Key", "has spaces and / slashes"));
        bad.StatusCode.Should().Be(400);
        Body(bad).GetProperty("errors")[0].GetProperty("field").GetString().Should().Be("Idempotency-Key");
    }

    [Theory]
    [InlineData("{ \"portrait\": ", 400, "invalid-json", "body")]
    [InlineData("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4", "options": { "segmentFrames": "many" } }""", 400, "invalid-json", "options.segmentFrames")]
    [InlineData("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4", "options": { "segmentFrames": 0 } }""", 422, "invalid-job", "options.segmentFrames")]
    [InlineData("""{ "video": "inbox/b.mp4" }""", 422, "invalid-job", "portrait")]
    [InlineData("""{ "portrait": "inbox/nothing.png", "video": "inbox/nothing.mp4" }""", 422, "invalid-job", "portrait")]
    public async Task Bad_requests_get_a_problem_body_naming_the_field(string body, int status, string type, string field)
    {
        var response = await Start(body);
        response.StatusCode.Should().Be(status);
        response.Headers["Content-Type"].Should().StartWith("application/problem+json");
        var problem = Body(response);
        problem.GetProperty("type").GetString().Should().Be("urn:swaptalk:problem:" + type);
        problem.GetProperty("status").GetInt32().Should().Be(status);
        problem.GetProperty("instance").GetString().Should().Be("/api/jobs");
        problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).Should().Contain(field);
        (await _host.Jobs.ListAsync("jobs/", Ct).CountAsync(Ct)).Should().Be(0, "a refused request leaves nothing behind");
    }

    [Fact]
    public async Task A_sas_url_in_the_request_is_never_echoed()
    {
        var response = await Start("""{ "portrait": "https://acct.blob.core.windows.net/inbox/f.png?sv=2024&sig=S3CR3T", "video": "inbox/v.mp4" }""");
        response.StatusCode.Should().Be(422);
        response.Body.Should().NotContain("S3CR3T").And.Contain("[redacted]");
    }

    [Fact]
    public async Task Oversized_and_non_json_bodies_are_refused_before_parsing()
    {
        (await Start("{\"portrait\":\"" + new string('x', 70_000) + "\"}")).StatusCode.Should().Be(413);
        var text = await _api.StartAsync(RequestBodyTests.Request(Base, HostingFixture.Utf8("{}"), ("Content-Type", "text/plain")), _host.Instances, Ct);
        text.StatusCode.Should().Be(415);
    }

    [Fact]
    public async Task A_running_job_answers_202_with_progress_cannot_give_a_result_and_can_be_canceled()
    {
        var gate = new TaskCompletionSource();
        _host.Activities.BeforeRender = (_, ct) => gate.Task.WaitAsync(ct);
        var manifest = await _host.UploadAsync("carol", new VideoDescriptor(40, "25"), null, ct: Ct);
        var id = Body(await Start(manifest)).GetProperty("id").GetString()!;

        JsonElement running;
        do
        {
            await Task.Delay(20, Ct);
            running = Body(await Status(id));
        }
        while (running.GetProperty("phase").GetString() != "rendering");
        var status = await Status(id);
        status.StatusCode.Should().Be(202);
        status.Headers["Retry-After"].Should().Be("10");
        Body(status).GetProperty("status").GetString().Should().Be("running");
        Body(status).GetProperty("progress").GetProperty("segmentsTotal").GetInt32().Should().Be(2);

        var result = await Result(id);
        result.StatusCode.Should().Be(409);
        Body(result).GetProperty("detail").GetString().Should().Contain("is running");

        var cancel = await Cancel(id);
        cancel.StatusCode.Should().Be(202);
        (await _host.Instances.WaitAsync(id, Ct)).State.Should().Be(JobRuntimeState.Terminated);
        var canceled = await Status(id);
        canceled.StatusCode.Should().Be(200);
        Body(canceled).GetProperty("status").GetString().Should().Be("canceled");
        (await Cancel(id)).StatusCode.Should().Be(409);
        gate.SetResult();
    }

    [Fact]
    public async Task A_failed_job_reports_the_step_and_reason_and_has_no_result()
    {
        var manifest = await _host.UploadAsync("dave", new VideoDescriptor(10, "25"), null, portrait: new PortraitDescriptor(Faces: 0), ct: Ct);
        var id = Body(await Start(manifest)).GetProperty("id").GetString()!;
        (await _host.Instances.WaitAsync(id, Ct)).State.Should().Be(JobRuntimeState.Failed);

        var failure = Body(await Status(id)).GetProperty("failure");
        failure.GetProperty("step").GetString().Should().Be("prepare");
        failure.GetProperty("badInput").GetBoolean().Should().BeTrue();
        failure.GetProperty("message").GetString().Should().Contain("no face found");
        var result = await Result(id);
        result.StatusCode.Should().Be(409);
        Body(result).GetProperty("detail").GetString().Should().Contain("failed").And.Contain("no face found");
    }

    [Fact]
    public async Task A_result_whose_output_was_deleted_is_gone()
    {
        var manifest = await _host.UploadAsync("erin", new VideoDescriptor(10, "25"), null, ct: Ct);
        var id = Body(await Start(manifest)).GetProperty("id").GetString()!;
        await _host.Instances.WaitAsync(id, Ct);
        await _host.Jobs.DeleteAsync($"jobs/{id}/output/dub.mp4", Ct);
        (await Result(id)).StatusCode.Should().Be(410);
        _signer.Signed.Should().BeEmpty();
    }

    [Theory]
    [InlineData("job-unknown", 404)]
    [InlineData("Not_A_Valid_Id", 400)]
    [InlineData("job-1:render:0000", 400)]
    public async Task Unknown_and_malformed_ids_are_404_and_400_on_every_endpoint(string id, int status)
    {
        (await Status(id)).StatusCode.Should().Be(status);
        (await Result(id)).StatusCode.Should().Be(status);
        (await Cancel(id)).StatusCode.Should().Be(status);
    }

    [Fact]
    public async Task A_job_its_trigger_rejected_is_reported_failed_through_the_api()
    {
        await _host.Records.WriteAsync("inbox-0123456789abcdef0123", null, [new JobInputError("x.json", "not valid JSON")], Ct);
        var status = await Status("inbox-0123456789abcdef0123");
        status.StatusCode.Should().Be(200);
        Body(status).GetProperty("failure").GetProperty("step").GetString().Should().Be("validate");
        (await Cancel("inbox-0123456789abcdef0123")).StatusCode.Should().Be(409);
    }
}
