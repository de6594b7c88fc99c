using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Azure.Starting;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Tests.Workflow;

namespace SwapTalk.Tests.Hosting;

/// <summary>The workflow the cloud triggers start (staging, then the dub), run by the local executor.</summary>
public sealed class CloudDubJobWorkflowTests : IAsyncLifetime
{
    private readonly HostingFixture _host = new(limits: new JobLimits { MaxInputBytes = 4096 });
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;
    public ValueTask DisposeAsync()
    {
        _host.Dispose();
        return ValueTask.CompletedTask;
    }

    private CloudDubJobInput Input(string jobId, string folder, bool audio = true, JobOptions? options = null) =>
        new(jobId, $"inbox/{folder}/face.json", $"inbox/{folder}/talk.json", audio ? $"inbox/{folder}/speech.json" : null,
            _host.ModelsDir, options ?? new JobOptions { SegmentFrames = 20, SegmentsPerBatch = 2 }, JobFixture.FastRetry);

    private LocalWorkflowExecutor Executor(LocalExecutorOptions? options = null) =>
        new(_host.Registry, CloudWorkflows.Catalog, options ?? new LocalExecutorOptions { MaxParallelActivities = 2 });

    [Fact]
    public async Task A_cloud_job_stages_its_inputs_into_the_job_folder_then_dubs_them()
    {
        await _host.UploadAsync("alice", new VideoDescriptor(60, "25"), new AudioDescriptor(3.0), ct: Ct);
        var statuses = new List<string>();
        var progress = new Recorder(e => { if (e is CustomStatusChanged { InstanceId: "job-cloud" } s) lock (statuses) statuses.Add(((JobStatus)s.Status!).Phase); });

        var result = await Executor(new LocalExecutorOptions { Progress = progress }).RunAsync<DubJobResult>(
            CloudWorkflowNames.CloudDubJob, "job-cloud", Input("job-cloud", "alice"), Ct);

        result.OutputFrames.Should().Be(75);
        (await _host.Jobs.ExistsAsync(result.OutputBlob, Ct)).Should().BeTrue();
        var staged = await _host.Jobs.GetPropertiesAsync("jobs/job-cloud/input/video.json", Ct);
        staged!.Metadata[StageInputsActivity.SourceMetadataKey].Should().Be(StageInputsActivity.SourceTag("inbox/alice/talk.json"));
        staged.ContentHash.Should().Be((await _host.Inbox.GetPropertiesAsync("alice/talk.json", Ct))!.ContentHash);
        (await _host.Jobs.ExistsAsync("jobs/job-cloud/input/audio.json", Ct)).Should().BeTrue();
        (await _host.ReportAsync("job-cloud", Ct))!.Outcome.Should().Be(JobOutcome.Succeeded);
        statuses.First().Should().Be(CloudDubJobOrchestrator.Staging, "progress starts with staging");
        statuses.Last().Should().Be(JobStatus.Done);
    }

    [Theory]
    [InlineData("missing", "video: blob 'inbox/missing/talk.json' does not exist*")]
    [InlineData("empty", "video: blob 'inbox/empty/talk.json' is empty (0 bytes)")]
    [InlineData("huge", "video: blob 'inbox/huge/talk.json' is over the limit of 4096 bytes")]
    public async Task Bad_inputs_fail_staging_once_with_a_report_and_leave_no_staged_copy(string folder, string reason)
    {
        await _host.UploadAsync(folder, new VideoDescriptor(10, "25"), new AudioDescriptor(1.0), ct: Ct);
        switch (folder)
        {
            case "missing": await _host.Inbox.DeleteAsync($"{folder}/talk.json", Ct); break;
            case "empty": await _host.Inbox.WriteBytesAsync($"{folder}/talk.json", Array.Empty<byte>(), cancellationToken: Ct); break;
            case "huge": await _host.Inbox.WriteBytesAsync($"{folder}/talk.json", new byte[5000], cancellationToken: Ct); break;
        }
        var attempts = 0;
        var progress = new Recorder(e => { if (e is ActivityStarted { Name: HostingActivityNames.StageInputs }) Interlocked.Increment(ref attempts); });

        var run = () => Executor(new LocalExecutorOptions { Progress = progress }).RunAsync<DubJobResult>(
            CloudWorkflowNames.CloudDubJob, $"job-{folder}", Input($"job-{folder}", folder), Ct);
        var failure = (await run.Should().ThrowAsync<WorkflowFailedException>()).Which;

        failure.IsPermanent.Should().BeTrue();
        attempts.Should().Be(1, "bad input is not retried");
        var report = (await _host.ReportAsync($"job-{folder}", Ct))!;
        report.Outcome.Should().Be(JobOutcome.Failed);
        report.Failure!.Step.Should().Be("stage");
        report.Failure.BadInput.Should().BeTrue();
        report.Failure.ErrorType.Should().Be(typeof(BadInputException).FullName);
        report.Failure.Message.Should().Match("bad input: " + reason);
        report.Inputs.Video.Should().Be($"inbox/{folder}/talk.json", "the report says what was asked for");
        (await _host.Jobs.ExistsAsync($"jobs/job-{folder}/input/video.json", Ct)).Should().BeFalse("a failed copy leaves nothing under the input's name");
    }

    [Fact]
    public async Task Staging_again_reuses_the_copies_of_the_same_sources()
    {
        await _host.UploadAsync("again", new VideoDescriptor(10, "25"), null, ct: Ct);
        var activity = new StageInputsActivity(_host.Stores);
        var input = new StageInputsInput("job-again", "inbox/again/face.json", "inbox/again/talk.json", null);
        var first = await activity.RunAsync(input, Ct);
        var stamp = (await _host.Jobs.GetPropertiesAsync(first.Inputs.Video, Ct))!.LastModified;
        var second = await activity.RunAsync(input, Ct);

        first.Reused.Should().Be(0);
        second.Reused.Should().Be(2);
        second.Inputs.Should().Be(first.Inputs);
        second.Bytes.Should().Be(first.Bytes);
        (await _host.Jobs.GetPropertiesAsync(first.Inputs.Video, Ct))!.LastModified.Should().Be(stamp, "not copied again");

        // A different source for the same role (another manifest under the same id cannot happen, but a stale copy must not be trusted).
        await _host.UploadAsync("other", new VideoDescriptor(11, "25"), null, ct: Ct);
        var third = await activity.RunAsync(input with { Video = "inbox/other/talk.json" }, Ct);
        third.Reused.Should().Be(1);
        (await _host.Jobs.ReadTextAsync(first.Inputs.Video, Ct)).Should().Contain("11");
    }

    [Fact]
    public void The_cloud_catalog_holds_the_core_workflows_and_the_cloud_one()
    {
        CloudWorkflows.Catalog.Names.Should().BeEquivalentTo([WorkflowNames.DubJob, WorkflowNames.RenderSegments, CloudWorkflowNames.CloudDubJob]);
        CloudWorkflows.ActivityNamesAll.Should().BeEquivalentTo(ActivityNames.All.Append(HostingActivityNames.StageInputs));
        OrchestratorCatalog.Default.Names.Should().NotContain(CloudWorkflowNames.CloudDubJob, "the shared default catalog is left as it was");
    }

    private sealed class Recorder(Action<ExecutionEvent> onEvent) : IProgress<ExecutionEvent>
    {
        public void Report(ExecutionEvent value) => onEvent(value);
    }
}
