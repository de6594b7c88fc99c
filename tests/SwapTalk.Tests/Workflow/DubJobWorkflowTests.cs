using Rational = SwapTalk.Core.Media.Rational;
using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Tests.Workflow;

/// <summary>The dub workflow end to end in the local executor, with the stand-in media activities.</summary>
public sealed class DubJobWorkflowTests : IDisposable
{
    private readonly JobFixture _job = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _job.Dispose();

    private async Task<(DubJobResult Result, JobPlan Plan, IReadOnlyList<RenderedFrame> Output)> RunAsync(
        string jobId, VideoDescriptor video, AudioDescriptor? audio, JobOptions options, LocalExecutorOptions? executor = null)
    {
        var input = await _job.StageAsync(jobId, _job.Request(video, audio, options), Ct);
        var result = await _job.Executor(executor).RunAsync<DubJobResult>(WorkflowNames.DubJob, jobId, input, Ct);
        var plan = await _job.Store.ReadJsonAsync<JobPlan>(BlobNames.Plan(jobId), cancellationToken: Ct);
        var output = await TestActivities.ReadOutputAsync(_job.Store, result.OutputBlob, Ct);
        return (result, plan, output);
    }

    public static TheoryData<string, int, string, double?, LengthPolicy, int> Shapes => new()
    {
        { "self-driven", 75, "25", null, LengthPolicy.PingPong, 16 },
        { "ping-pong", 75, "25", 11.0, LengthPolicy.PingPong, 50 },
        { "freeze", 30, "30000/1001", 3.3, LengthPolicy.Freeze, 7 },
        { "trim", 40, "24000/1001", 9.0, LengthPolicy.Trim, 13 },
        { "audio-shorter", 90, "25", 1.5, LengthPolicy.PingPong, 10 },
        { "one-frame", 1, "25", 0.5, LengthPolicy.PingPong, 4 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Output_has_exactly_the_planned_frames_in_order_with_no_seam_errors(
        string shape, int frames, string rate, double? audioSeconds, LengthPolicy policy, int segmentFrames)
    {
        var options = new JobOptions { SegmentFrames = segmentFrames, LengthPolicy = policy, SegmentsPerBatch = 3 };
        var (result, plan, output) = await RunAsync($"job-{shape}", new VideoDescriptor(frames, rate),
            audioSeconds is null ? null : new AudioDescriptor(audioSeconds.Value), options);

        output.Should().HaveCount(plan.OutputFrameCount, shape);
        result.OutputFrames.Should().Be(plan.OutputFrameCount);
        for (var i = 0; i < output.Count; i++)
        {
            var frame = output[i];
            if (frame.Output != i || frame.Source != plan.SourceFrameOf(i) || frame.Ticks != plan.PresentationTime(i).Ticks)
                throw new Xunit.Sdk.XunitException($"{shape}: output frame {i} is {frame}, planned source {plan.SourceFrameOf(i)} at {plan.PresentationTime(i).Ticks}");
        }
        result.SegmentsRendered.Should().Be(plan.Segments.Count);
        result.SegmentsReused.Should().Be(0);
        result.FramesWithFace.Should().Be(output.Count(f => f.Face));
    }

    [Fact]
    public async Task Segments_fan_out_through_bounded_child_workflows_and_progress_is_reported()
    {
        var statuses = new List<JobStatus>();
        var progress = new Progress(e =>
        {
            if (e is CustomStatusChanged { InstanceId: "job-batches", Status: JobStatus s }) lock (statuses) statuses.Add(s);
        });
        var options = new JobOptions { SegmentFrames = 4, SegmentsPerBatch = 4 };
        var events = new List<ExecutionEvent>();
        var all = new Progress(e => { progress.Report(e); lock (events) events.Add(e); });
        var (result, plan, _) = await RunAsync("job-batches", new VideoDescriptor(75, "25"), null, options,
            new LocalExecutorOptions { MaxParallelActivities = 3, Progress = all });

        plan.Segments.Should().HaveCount(19);
        var children = events.OfType<WorkflowStarted>().Where(e => e.Name == WorkflowNames.RenderSegments).Select(e => e.InstanceId).Order().ToList();
        children.Should().Equal(
            "job-batches:render:0000", "job-batches:render:0001", "job-batches:render:0002", "job-batches:render:0003", "job-batches:render:0004");
        var renders = events.OfType<ActivityStarted>().Where(e => e.Name == ActivityNames.RenderSegment).ToList();
        renders.GroupBy(e => e.InstanceId).Should().OnlyContain(g => children.Contains(g.Key) && g.Count() <= 4, "the root only calls children");

        statuses.Select(s => s.Phase).Should().StartWith(JobStatus.Planning).And.EndWith(JobStatus.Done);
        var rendering = statuses.Where(s => s.Phase == JobStatus.Rendering).ToList();
        rendering.Select(s => s.SegmentsDone).Should().BeInAscendingOrder().And.Contain(19);
        rendering.Should().OnlyContain(s => s.SegmentsTotal == 19 && s.FramesTotal == 75);
        result.SegmentsRendered.Should().Be(19);
    }

    [Fact]
    public async Task The_report_records_stages_frames_faces_and_models_with_hashes()
    {
        var (result, plan, output) = await RunAsync("job-report", new VideoDescriptor(75, "25"), new AudioDescriptor(5.0),
            new JobOptions { SegmentFrames = 25 });
        result.ReportBlob.Should().Be("jobs/job-report/report.json");
        var json = await _job.Store.ReadTextAsync(result.ReportBlob, Ct);
        var report = JsonSerializer.Deserialize<JobReport>(json, StoredJson.Options)!;

        report.Outcome.Should().Be(JobOutcome.Succeeded);
        report.Mode.Should().Be(JobMode.CrossDriven);
        report.OutputBlob.Should().Be("jobs/job-report/output/dub.mp4");
        report.OutputFrames.Should().Be(125);
        report.FramesWithFace.Should().Be(output.Count(f => f.Face)).And.BeLessThan(125, "frames without a face pass through");
        report.Segments.Should().Be(plan.Segments.Count);
        report.FrameRate.Should().Be(new Rational(25, 1));
        report.Stages.Select(s => s.Stage).Should().Equal("plan", "prepare-source", "audio-features", "render", "stitch");
        report.Stages.Single(s => s.Stage == "render").Calls.Should().Be(5);
        report.SegmentRecords.Select(s => s.Index).Should().Equal(0, 1, 2, 3, 4);
        report.SegmentRecords.Sum(s => s.Frames).Should().Be(125);
        report.SegmentRecords.Sum(s => s.FramesWithFace).Should().Be(report.FramesWithFace);
        report.SegmentRecords.Should().OnlyContain(s => s.Worker == null, "one process ran everything");
        report.Models.Select(m => (m.Name, m.Sha256)).Should().Equal(
            ("lip_syncer", await JobIds.HashFileAsync(Path.Combine(_job.ModelsDir, "lip_syncer.onnx"), Ct)),
            ("vq_encoder", await JobIds.HashFileAsync(Path.Combine(_job.ModelsDir, "vq_encoder.onnx"), Ct)));
        report.FinishedUtc.Should().BeOnOrAfter(report.StartedUtc);
        report.RenderFramesPerSecond.Should().BePositive();
        report.Failure.Should().BeNull();
        json.Should().Contain("\"outcome\": \"succeeded\"").And.Contain("\"wallSeconds\"");
    }

    [Fact]
    public async Task A_missing_video_stream_fails_the_plan_as_bad_input_with_a_failure_report()
    {
        var events = new List<ExecutionEvent>();
        var input = await _job.StageAsync("job-novideo", _job.Request(new VideoDescriptor(-1, "25"), new AudioDescriptor(2)), Ct);
        var run = () => _job.Executor(new LocalExecutorOptions { Progress = new Progress(e => { lock (events) events.Add(e); }) })
            .RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-novideo", input, Ct);

        var failed = (await run.Should().ThrowAsync<WorkflowFailedException>()).Which;
        failed.IsPermanent.Should().BeTrue();
        failed.Message.Should().Contain("has no video stream");
        events.OfType<ActivityFailed>().Where(e => e.Name == ActivityNames.PlanJob).Should().ContainSingle("bad input is not retried");
        events.OfType<ActivityRetrying>().Should().BeEmpty();

        var report = await _job.Store.ReadJsonAsync<JobReport>(BlobNames.Report("job-novideo"), cancellationToken: Ct);
        report.Outcome.Should().Be(JobOutcome.Failed);
        report.Failure.Should().BeEquivalentTo(new JobFailure(ActivityNames.PlanJob, typeof(BadInputException).FullName!,
            "bad input: video: 'jobs/job-novideo/input/video.json' has no video stream", BadInput: true));
    }

    [Fact]
    public async Task No_face_in_the_portrait_fails_prepare_without_retry()
    {
        var request = _job.Request(new VideoDescriptor(20, "25"), null, portrait: new PortraitDescriptor(Faces: 0));
        var input = await _job.StageAsync("job-noface", request, Ct);
        var run = () => _job.Executor().RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-noface", input, Ct);
        (await run.Should().ThrowAsync<WorkflowFailedException>()).Which.Message.Should().Contain("no face found");
        var report = await _job.Store.ReadJsonAsync<JobReport>(BlobNames.Report("job-noface"), cancellationToken: Ct);
        report.Failure!.Step.Should().Be("prepare");
        report.Failure.BadInput.Should().BeTrue();
        (await _job.Store.ExistsAsync(BlobNames.Output("job-noface"), Ct)).Should().BeFalse();
    }

    [Fact]
    public async Task An_hour_long_clip_fans_out_within_history_and_payload_limits()
    {
        // 90,000 frames at 25 fps, default options: 900 segments in 29 children of at most 32.
        var input = await _job.StageAsync("job-hour", _job.Request(new VideoDescriptor(90_000, "25"), null), Ct);
        JobPlan? plan = null;
        var planLock = new SemaphoreSlim(1);
        var registry = LocalJobRunner.AddCoreActivities(new ActivityRegistry(), _job.Store, new DescriptorInspector())
            .Add<PrepareSourceInput, PrepareSourceResult>(ActivityNames.PrepareSource, (i, _) => Task.FromResult(new PrepareSourceResult(BlobNames.SourceLatent(i.JobId), 1, false, 0)))
            .Add<PrepareAudioFeaturesInput, PrepareAudioFeaturesResult>(ActivityNames.PrepareAudioFeatures, (i, _) => Task.FromResult(new PrepareAudioFeaturesResult(BlobNames.AudioFeatures(i.JobId), 180_000, false, 0)))
            .Add<RenderSegmentInput, RenderSegmentResult>(ActivityNames.RenderSegment, async (i, ct) =>
            {
                // Counts only: this test is about the orchestration's shape at scale, not about frames.
                await planLock.WaitAsync(ct);
                try
                {
                    plan ??= await _job.Store.ReadJsonAsync<JobPlan>(i.PlanBlob, cancellationToken: ct);
                }
                finally
                {
                    planLock.Release();
                }
                var frames = plan.Segment(i.SegmentIndex).FrameCount;
                return new RenderSegmentResult(i.SegmentIndex, BlobNames.Segment(i.JobId, i.SegmentIndex), frames, frames, false, 0);
            })
            .Add<StitchInput, StitchResult>(ActivityNames.Stitch, (i, _) => Task.FromResult(new StitchResult(i.OutputBlob, 90_000, 3600, 0)));
        var events = new List<ExecutionEvent>();
        // Every activity input and result must fit 16 KB of JSON (the executor fails the call otherwise).
        var result = await new LocalWorkflowExecutor(registry, null, new LocalExecutorOptions
            {
                MaxPayloadBytes = 16 * 1024,
                Progress = new Progress(e => { lock (events) events.Add(e); }),
            })
            .RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-hour", input, Ct);

        result.SegmentsRendered.Should().Be(900);
        result.FramesWithFace.Should().Be(90_000);
        var instances = events.OfType<WorkflowStarted>().Select(e => e.InstanceId).ToArray();
        instances.Should().HaveCount(1 + 29);
        // A history holds a few events per call: the calls per instance bound its size.
        var calls = events.OfType<ActivityStarted>().GroupBy(e => e.InstanceId).ToDictionary(g => g.Key, g => g.Count());
        calls["job-hour"].Should().Be(5, "the root only sees its children and its own five activities");
        calls.Values.Max().Should().BeLessThanOrEqualTo(32);
    }

    private sealed class Progress(Action<ExecutionEvent> onEvent) : IProgress<ExecutionEvent>
    {
        public void Report(ExecutionEvent value) => onEvent(value);
    }
}
