using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;
using SwapTalk.Core.Workflow;
using SwapTalk.Tests.Workflow;

namespace SwapTalk.Tests.Execution;

public sealed class TelemetryTests : IDisposable
{
    private readonly JobFixture _job = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _job.Dispose();

    [Fact]
    public async Task Spans_and_metrics_carry_the_job_and_segment_and_save_as_json()
    {
        using var telemetry = new TelemetryRecorder(jobId: "job-telemetry");
        var input = await _job.StageAsync("job-telemetry", _job.Request(new VideoDescriptor(30, "25"), null, new JobOptions { SegmentFrames = 10 }), Ct);
        await _job.Executor().RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-telemetry", input, Ct);
        var snapshot = telemetry.Snapshot();

        var renders = snapshot.Spans.Where(s => s.Name == "activity RenderSegment").ToList();
        renders.Select(s => s.Tags[SwapTalkTelemetry.Tags.SegmentIndex]).Should().BeEquivalentTo(["0", "1", "2"]);
        renders.Should().OnlyContain(s => s.Tags[SwapTalkTelemetry.Tags.JobId] == "job-telemetry" && s.Tags[SwapTalkTelemetry.Tags.Attempt] == "1");
        var stages = snapshot.Spans.Where(s => s.Name == "stage render-test").ToList();
        stages.Should().HaveCount(3);
        stages.Should().OnlyContain(s => renders.Any(r => r.SpanId == s.ParentSpanId && r.TraceId == s.TraceId), "stage spans nest in their activity span");
        snapshot.Spans.Should().Contain(s => s.Name == "workflow DubJob" && s.Tags[SwapTalkTelemetry.Tags.WorkflowInstance] == "job-telemetry");
        snapshot.Spans.Should().Contain(s => s.Name == "stage plan");

        var durations = snapshot.Metrics.Where(m => m.Instrument == "swaptalk.activity.duration"
            && m.Tags[SwapTalkTelemetry.Tags.Activity] == ActivityNames.RenderSegment).ToList();
        durations.Should().ContainSingle().Which.Should().Match<MetricRecord>(m => m.Count == 3 && m.Kind == "histogram" && m.Unit == "s"
            && m.Tags[SwapTalkTelemetry.Tags.Outcome] == "succeeded");
        snapshot.Metrics.Where(m => m.Instrument == "swaptalk.frames").Sum(m => m.Sum).Should().Be(30);

        var path = _job.File("telemetry.json");
        await telemetry.SaveAsync(path, Ct);
        var saved = JsonSerializer.Deserialize<TelemetrySnapshot>(await File.ReadAllTextAsync(path, Ct), TelemetryRecorder.Json)!;
        saved.Spans.Should().HaveCount(snapshot.Spans.Count);
        saved.Metrics.Should().HaveCount(snapshot.Metrics.Count);
        telemetry.Summary().Should().Contain("activity RenderSegment: 3,").And.Contain("swaptalk.frames {");
    }

    [Fact]
    public async Task Failed_and_retried_attempts_are_marked()
    {
        using var telemetry = new TelemetryRecorder(jobId: "job-telemetry-retry");
        _job.Activities.RenderFault = (segment, attempt) => segment == 0 && attempt == 1 ? new IOException("flaky storage") : null;
        var input = await _job.StageAsync("job-telemetry-retry", _job.Request(new VideoDescriptor(10, "25"), null, new JobOptions { SegmentFrames = 10 }), Ct);
        await _job.Executor().RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-telemetry-retry", input, Ct);
        var snapshot = telemetry.Snapshot();

        var failed = snapshot.Spans.Single(s => s.Name == "activity RenderSegment" && s.Status == "Error");
        failed.Tags[SwapTalkTelemetry.Tags.ErrorType].Should().Be(typeof(IOException).FullName);
        failed.StatusDescription.Should().Be("flaky storage");
        snapshot.Metrics.Should().Contain(m => m.Instrument == "swaptalk.activity.retries" && m.Sum == 1);
    }
}

public sealed class LocalJobRunnerTests : IDisposable
{
    private readonly JobFixture _job = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _job.Dispose();

    private LocalJobRunner Runner(TestActivities? activities = null) =>
        new(_job.Store, (activities ?? _job.Activities).Registry(), new LocalExecutorOptions { MaxParallelActivities = 2 }, new DescriptorInspector());

    [Fact]
    public async Task Runs_a_request_end_to_end_exports_the_output_and_resumes_the_same_job_on_a_second_run()
    {
        var request = _job.Request(new VideoDescriptor(48, "25"), new AudioDescriptor(3.0), new JobOptions { SegmentFrames = 12 }) with
        {
            Output = _job.File("dub.mp4"),
        };
        var first = await Runner().RunAsync(request, JobFixture.FastRetry, Ct);
        first.OutputPath.Should().Be(_job.File("dub.mp4"));
        (await File.ReadAllBytesAsync(first.OutputPath!, Ct)).Should().Equal(await _job.Store.ReadBytesAsync(first.Result.OutputBlob, Ct));
        first.Result.SegmentsRendered.Should().Be(7);
        first.Result.JobId.Should().MatchRegex("^job-[0-9a-f]{20}$");
        Directory.EnumerateFiles(_job.Root).Where(f => Path.GetFileName(f).StartsWith("dub.mp4.", StringComparison.Ordinal)).Should().BeEmpty("the export leaves no partial file");

        var again = new TestActivities(_job.Store);
        var second = await Runner(again).RunAsync(request, JobFixture.FastRetry, Ct);
        second.Result.JobId.Should().Be(first.Result.JobId, "the same inputs and options are the same job");
        second.Result.SegmentsReused.Should().Be(7);
        again.Rendered.Should().BeEmpty();

        var staged = await Runner().StageAsync(request with { Options = request.Options with { SegmentFrames = 11 } }, cancellationToken: Ct);
        staged.JobId.Should().NotBe(first.Result.JobId, "other options are another job");
        staged.Input.Inputs.Video.Should().Be($"jobs/{staged.JobId}/input/video.json");
        (await _job.Store.GetPropertiesAsync(staged.Input.Inputs.Video, Ct))!.Metadata["source_sha256"]
            .Should().Be(await JobIds.HashFileAsync(request.Video, Ct));
    }

    [Fact]
    public async Task A_bad_request_is_refused_before_anything_is_stored()
    {
        var request = _job.Request(new VideoDescriptor(48, "25"), new AudioDescriptor(3.0)) with
        {
            Portrait = _job.File("missing.png"),
            Options = new JobOptions { SegmentFrames = 0 },
        };
        var run = () => Runner().RunAsync(request, cancellationToken: Ct);
        var bad = (await run.Should().ThrowAsync<BadInputException>()).Which;
        bad.Errors.Select(e => e.Input).Should().Equal("portrait", "options.segmentFrames");
        var stored = new List<string>();
        await foreach (var item in _job.Store.ListAsync("", Ct)) stored.Add(item.Name);
        stored.Should().BeEmpty();
    }

    [Fact]
    public async Task Plan_job_checks_limits_on_the_stored_inputs()
    {
        var input = await _job.StageAsync("job-limits", _job.Request(new VideoDescriptor(48, "25", Width: 8000, Height: 4000), null), Ct);
        var plan = new PlanJobActivity(_job.Store, new DescriptorInspector(), new OnnxFolderInventory());
        var run = () => plan.RunAsync(new PlanJobInput("job-limits", input.Inputs, _job.ModelsDir, input.Options), Ct);
        (await run.Should().ThrowAsync<BadInputException>()).WithMessage("*video*is 8000x4000; supported sizes are 64x64 to 3840x2160");
        (await _job.Store.ExistsAsync(BlobNames.Plan("job-limits"), Ct)).Should().BeFalse();

        var missingModels = () => new OnnxFolderInventory().DescribeAsync(_job.File("nope"), Ct);
        (await missingModels.Should().ThrowAsync<BadInputException>()).WithMessage("*models folder*does not exist");
    }
}
