using Microsoft.DurableTask;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Tests.Workflow;

namespace SwapTalk.Tests.Execution;

/// <summary>The local executor: retries, bounded parallelism, resume after a stop, cancellation, payload rules.</summary>
public sealed class LocalExecutorTests : IDisposable
{
    private readonly JobFixture _job = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _job.Dispose();

    private sealed class Events : IProgress<ExecutionEvent>
    {
        public List<ExecutionEvent> All { get; } = [];
        public void Report(ExecutionEvent value)
        {
            lock (All) All.Add(value);
        }
        public IReadOnlyList<T> Of<T>() where T : ExecutionEvent
        {
            lock (All) return All.OfType<T>().ToArray();
        }
    }

    private Task<DubJobInput> Stage(string jobId, int frames = 40, int segmentFrames = 5) =>
        _job.StageAsync(jobId, _job.Request(new VideoDescriptor(frames, "25"), null, new JobOptions { SegmentFrames = segmentFrames, SegmentsPerBatch = 4 }), Ct);

    private async Task<int> StoredSegments(string jobId)
    {
        var count = 0;
        await foreach (var _ in _job.Store.ListAsync(BlobNames.SegmentsPrefix(jobId), Ct)) count++;
        return count;
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_backoff_until_they_pass()
    {
        _job.Activities.RenderFault = (segment, attempt) => segment == 2 && attempt < 3 ? new IOException("GPU busy") : null;
        var events = new Events();
        var input = await Stage("job-retry");
        var result = await _job.Executor(new LocalExecutorOptions { Progress = events }).RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-retry", input, Ct);

        result.SegmentsRendered.Should().Be(8);
        _job.Activities.RenderAttempts.Where(a => a.Segment == 2).Select(a => a.Attempt).Should().Equal(1, 2, 3);
        var failures = events.Of<ActivityFailed>();
        failures.Select(f => f.Attempt).Should().Equal(1, 2);
        failures.Should().OnlyContain(f => f.Failure.ErrorType == typeof(IOException).FullName && f.Failure.ErrorMessage == "GPU busy");
        events.Of<ActivityRetrying>().Select(r => (r.Attempt, r.Delay)).Should().Equal(
            [(1, TimeSpan.FromMilliseconds(1)), (2, TimeSpan.FromMilliseconds(2))], "the SDK's policy: first interval, then times the coefficient");
    }

    [Fact]
    public async Task Exhausted_retries_fail_the_job_after_the_other_segments_are_stored()
    {
        _job.Activities.RenderFault = (segment, _) => segment == 5 ? new IOException("disk on fire") : null;
        var input = await Stage("job-exhausted");
        var run = () => _job.Executor().RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-exhausted", input, Ct);

        var failed = (await run.Should().ThrowAsync<WorkflowFailedException>()).Which;
        failed.IsPermanent.Should().BeFalse("a transient cause may pass on a later run");
        failed.RootCause.ErrorMessage.Should().Be("disk on fire");
        _job.Activities.RenderAttempts.Count(a => a.Segment == 5).Should().Be(3);
        (await StoredSegments("job-exhausted")).Should().Be(7, "every other segment finished and is kept for a resume");
        var report = await _job.Store.ReadJsonAsync<JobReport>(BlobNames.Report("job-exhausted"), cancellationToken: Ct);
        report.Failure.Should().BeEquivalentTo(new JobFailure(ActivityNames.RenderSegment, typeof(IOException).FullName!, "disk on fire", false));
        report.Outcome.Should().Be(JobOutcome.Failed);
    }

    [Fact]
    public async Task Bad_input_is_never_retried()
    {
        _job.Activities.RenderFault = (segment, _) => segment == 1 ? new BadInputException("video", "frame 7 cannot be decoded") : null;
        var input = await Stage("job-badframe");
        var run = () => _job.Executor().RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-badframe", input, Ct);
        var failed = (await run.Should().ThrowAsync<WorkflowFailedException>()).Which;
        failed.IsPermanent.Should().BeTrue();
        failed.RootCause.ErrorMessage.Should().Be("bad input: video: frame 7 cannot be decoded");
        _job.Activities.RenderAttempts.Count(a => a.Segment == 1).Should().Be(1);
    }

    [Fact]
    public async Task Parallel_activities_are_bounded()
    {
        _job.Activities.BeforeRender = (_, ct) => Task.Delay(15, ct);
        var input = await Stage("job-bounded", frames: 60);
        await _job.Executor(new LocalExecutorOptions { MaxParallelActivities = 2 }).RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-bounded", input, Ct);
        _job.Activities.MaxActive.Should().Be(2);

        var act = () => new LocalWorkflowExecutor(new ActivityRegistry(), null, new LocalExecutorOptions { MaxParallelActivities = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*at least one activity*");
    }

    [Fact]
    public async Task A_stopped_job_resumes_rendering_only_the_missing_segments()
    {
        var input = await Stage("job-resume", frames: 60, segmentFrames: 5);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        _job.Activities.AfterRender = _ =>
        {
            if (_job.Activities.Rendered.Count == 4) stop.Cancel(); // Ctrl-C after four segments
        };
        var first = () => _job.Executor(new LocalExecutorOptions { MaxParallelActivities = 2 }).RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-resume", input, stop.Token);
        await first.Should().ThrowAsync<OperationCanceledException>();
        _job.Activities.Active.Should().Be(0, "no activity runs on after the executor returns");
        var stored = new HashSet<int>();
        await foreach (var item in _job.Store.ListAsync(BlobNames.SegmentsPrefix("job-resume"), Ct))
            stored.Add(int.Parse(Path.GetFileNameWithoutExtension(item.Name)));
        stored.Count.Should().BeInRange(4, 11);
        Directory.EnumerateFiles(Path.Combine(_job.Store.Root, ".tmp")).Should().BeEmpty("cancelled segments leave no partial files");

        var second = new TestActivities(_job.Store);
        var events = new Events();
        var result = await new LocalWorkflowExecutor(second.Registry(), null, new LocalExecutorOptions { Progress = events })
            .RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-resume", input, Ct);

        second.Rendered.Order().Should().Equal(Enumerable.Range(0, 12).Where(i => !stored.Contains(i)), "only the missing segments render");
        result.SegmentsReused.Should().Be(stored.Count);
        result.SegmentsRendered.Should().Be(12 - stored.Count);
        var plan = await _job.Store.ReadJsonAsync<JobPlan>(BlobNames.Plan("job-resume"), cancellationToken: Ct);
        var output = await TestActivities.ReadOutputAsync(_job.Store, result.OutputBlob, Ct);
        output.Select(f => f.Output).Should().Equal(Enumerable.Range(0, 60));
        output.Select(f => f.Source).Should().Equal(Enumerable.Range(0, 60).Select(plan.SourceFrameOf));
        events.Of<ActivitySucceeded>().Where(e => e.Name == ActivityNames.PrepareSource).Should().ContainSingle()
            .Which.Output.Should().BeOfType<PrepareSourceResult>().Which.Reused.Should().BeTrue("the source latent is not computed twice");
    }

    [Fact]
    public async Task Cancellation_stops_running_activities_and_returns_promptly()
    {
        var started = new TaskCompletionSource();
        _job.Activities.BeforeRender = async (_, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        };
        var input = await Stage("job-cancel");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = _job.Executor().RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-cancel", input, stop.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await stop.CancelAsync();

        var act = () => run;
        await act.Should().ThrowAsync<OperationCanceledException>();
        _job.Activities.Active.Should().Be(0);
        (await StoredSegments("job-cancel")).Should().Be(0);
        (await _job.Store.ExistsAsync(BlobNames.Plan("job-cancel"), Ct)).Should().BeTrue("finished work stays");
    }

    [Fact]
    public async Task Oversized_payloads_fail_with_a_clear_message()
    {
        var activities = new ActivityRegistry().Add<int, string>("Big", (n, _) => Task.FromResult(new string('x', n)));
        var catalog = OrchestratorCatalog.Default
            .With("BigResult", new FuncOrchestrator<int, string>((context, n) => context.CallActivityAsync<string>("Big", n)))
            .With("BigInput", new FuncOrchestrator<int, string>((context, n) => context.CallActivityAsync<string>("Big", new string('y', n))));
        var executor = new LocalWorkflowExecutor(activities, catalog, new LocalExecutorOptions { MaxPayloadBytes = 1000 });

        var result = () => executor.RunAsync<string>("BigResult", "big-1", 5000, Ct);
        (await result.Should().ThrowAsync<WorkflowFailedException>()).Which.RootCause.ErrorMessage
            .Should().Be("the result of activity 'Big' is 5002 bytes of JSON, over the 1000-byte limit: pass blob names, not data");

        var input = () => executor.RunAsync<string>("BigInput", "big-2", 5000, Ct);
        (await input.Should().ThrowAsync<WorkflowFailedException>()).Which.RootCause.ErrorMessage
            .Should().Be("the input of activity 'Big' is 5002 bytes of JSON, over the 1000-byte limit: pass blob names, not data");
        (await executor.RunAsync<string>("BigResult", "big-3", 10, Ct)).Should().Be("xxxxxxxxxx");
    }

    [Fact]
    public async Task Orchestration_code_runs_one_step_at_a_time_and_a_failed_child_fails_its_parent()
    {
        var inside = 0;
        var overlapped = false;
        var activities = new ActivityRegistry().Add<int, int>("Slow", async (n, ct) => { await Task.Delay(n % 3, ct); return n; });
        async Task<int> Step(TaskOrchestrationContext context, int n)
        {
            if (Interlocked.Increment(ref inside) > 1) overlapped = true;
            Thread.Sleep(1); // a step that takes time: another continuation of this instance must not run meanwhile
            Interlocked.Decrement(ref inside);
            return await context.CallActivityAsync<int>("Slow", n);
        }
        var catalog = OrchestratorCatalog.Default
            .With("FanOut", new FuncOrchestrator<int, int>(async (context, n) => (await Task.WhenAll(Enumerable.Range(0, n).Select(i => Step(context, i)))).Sum()))
            .With("Child", new FuncOrchestrator<int, int>((_, n) => throw new BadInputException("n", $"{n} is odd")))
            .With("Parent", new FuncOrchestrator<int, int>((context, n) => context.CallSubOrchestratorAsync<int>("Child", n, new SubOrchestrationOptions { InstanceId = "parent-1:child" })));
        var executor = new LocalWorkflowExecutor(activities, catalog, new LocalExecutorOptions { MaxParallelActivities = 4 });

        (await executor.RunAsync<int>("FanOut", "fan-1", 40, Ct)).Should().Be(Enumerable.Range(0, 40).Sum());
        overlapped.Should().BeFalse("Durable runs an instance's orchestration code on one logical thread");

        var run = () => executor.RunAsync<int>("Parent", "parent-1", 3, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var failed = (await run.Should().ThrowAsync<WorkflowFailedException>()).Which;
        failed.RootCause.ErrorMessage.Should().Be("bad input: n: 3 is odd");
        failed.IsPermanent.Should().BeTrue("the child's bad input is found down the failure chain");
    }

    [Fact]
    public async Task Unknown_names_fail_naming_what_is_registered()
    {
        var catalog = OrchestratorCatalog.Default.With("CallsNothing", new FuncOrchestrator<int, int>((context, _) => context.CallActivityAsync<int>("Nope", 1)));
        var events = new Events();
        var executor = new LocalWorkflowExecutor(_job.Activities.Registry(), catalog, new LocalExecutorOptions { Progress = events });
        var run = () => executor.RunAsync<int>("CallsNothing", "nothing-1", 1, Ct);
        (await run.Should().ThrowAsync<WorkflowFailedException>()).Which.RootCause.ErrorMessage
            .Should().StartWith("no activity named 'Nope' is registered (known: PlanJob, PrepareAudioFeatures,");
        events.Of<ActivityStarted>().Should().BeEmpty();

        var orchestration = () => executor.RunAsync<int>("Missing", "missing-1", 1, Ct);
        (await orchestration.Should().ThrowAsync<InvalidOperationException>()).WithMessage("no orchestrator named 'Missing' is registered (known: *DubJob*)");
    }

    [Fact]
    public async Task The_progress_tracker_follows_segments_frames_and_throughput()
    {
        var snapshots = new List<JobProgress>();
        var tracker = new JobProgressTracker(p => { lock (snapshots) snapshots.Add(p); });
        _job.Activities.BeforeRender = (_, ct) => Task.Delay(5, ct);
        var input = await Stage("job-progress", frames: 50, segmentFrames: 10);
        var executor = _job.Executor(new LocalExecutorOptions { Progress = tracker, MaxParallelActivities = 2 });
        await executor.RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-progress", input, Ct);

        var done = tracker.Current;
        done.Phase.Should().Be(JobStatus.Done);
        (done.SegmentsDone, done.SegmentsTotal, done.FramesDone, done.FramesTotal).Should().Be((5, 5, 50, 50));
        done.SegmentsRunning.Should().BeEmpty();
        done.FramesPerSecond.Should().BePositive();
        done.Eta.Should().Be(TimeSpan.Zero);
        snapshots.Select(s => s.FramesDone).Should().BeInAscendingOrder();
        snapshots.Should().Contain(s => s.SegmentsRunning.Count > 0 && s.Phase == JobStatus.Rendering);
        executor.GetCustomStatus("job-progress").Should().Contain("\"phase\":\"done\"");

        var resumed = new JobProgressTracker();
        await new LocalWorkflowExecutor(new TestActivities(_job.Store).Registry(), null, new LocalExecutorOptions { Progress = resumed })
            .RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-progress", input, Ct);
        resumed.Current.SegmentsReused.Should().Be(5);
        resumed.Current.FramesPerSecond.Should().BeNull("nothing was rendered, so there is no rate");
    }

    [Fact]
    public void Job_retry_is_the_sdks_retry_policy_and_never_retries_bad_input()
    {
        var options = new JobRetry(5, TimeSpan.FromSeconds(1), 2.0, TimeSpan.FromSeconds(5)).ToTaskOptions();
        var policy = options.Retry!.Policy!;
        (policy.MaxNumberOfAttempts, policy.FirstRetryInterval, policy.BackoffCoefficient, policy.MaxRetryInterval)
            .Should().Be((5, TimeSpan.FromSeconds(1), 2.0, TimeSpan.FromSeconds(5)));
        var transient = TaskFailureDetails.FromException(new IOException("busy"));
        var badInput = TaskFailureDetails.FromException(new BadInputException("video", "no frames"));
        var wrapped = new TaskFailureDetails(typeof(TaskFailedException).FullName!, "RenderSegments failed", null, badInput, null);
        JobRetry.IsTransient(transient).Should().BeTrue();
        JobRetry.IsTransient(badInput).Should().BeFalse();
        JobRetry.IsTransient(wrapped).Should().BeFalse("the cause is found inside a failed child");
        JobRetry.IsBadInput(new TaskFailureDetails("SwapTalk.Core.Jobs.BadInputException", "from another process", null, null, null))
            .Should().BeTrue("the type name is enough");
        WorkflowJson.Deserialize<JobRetry>(WorkflowJson.Serialize(JobRetry.Default)).Should().Be(JobRetry.Default);
    }
}
