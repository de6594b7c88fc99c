using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Workflow;
using SwapTalk.Core.Workflow.Runtime;

namespace SwapTalk.Tests.Workflow;

/// <summary>
/// Determinism, the way Durable checks it: record a live run (every decision and every result), replay the
/// workflow code against the recording with no activities and no storage, and require the identical sequence
/// of decisions and the identical outcome.
/// </summary>
public sealed class ReplayTests : IDisposable
{
    private readonly JobFixture _job = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _job.Dispose();

    [Fact]
    public async Task A_recorded_dub_replays_to_the_identical_call_sequence_without_any_io()
    {
        var recorder = new WorkflowRecorder();
        var options = new JobOptions { SegmentFrames = 6, SegmentsPerBatch = 3, LengthPolicy = LengthPolicy.PingPong };
        var input = await _job.StageAsync("job-replay", _job.Request(new VideoDescriptor(40, "30000/1001"), new AudioDescriptor(3.2), options), Ct);
        // Parallel activities finish in an order no one controls; the recording pins the order the workflow saw.
        var live = await _job.Executor(new LocalExecutorOptions { MaxParallelActivities = 4, Recorder = recorder })
            .RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-replay", input, Ct);

        // Through JSON, as a history would be stored; and with the store gone, so a replay cannot read or write.
        var histories = JsonSerializer.Deserialize<List<WorkflowHistory>>(JsonSerializer.Serialize(recorder.Histories, WorkflowJson.Options), WorkflowJson.Options)!;
        Directory.Delete(_job.Store.Root, recursive: true);

        histories.Should().HaveCount(1 + 6, "the root and one child per 3 of the 16 segments");
        foreach (var history in histories)
        {
            var replay = await WorkflowReplayer.ReplayAsync(history, WorkflowCatalog.Default, Ct);
            replay.Decisions.Should().Equal(history.Decisions, $"instance {history.InstanceId}");
            replay.Outcome.Output.Should().Be(history.Output);
        }
        var root = histories.Single(h => h.InstanceId == "job-replay");
        WorkflowJson.Deserialize<DubJobResult>(root.Output).Should().Be(live);
        root.Decisions.Where(d => d.Kind != WorkflowEventKind.CustomStatusSet).Select(d => d.Name).Should().Equal(
            new[] { ActivityNames.PlanJob, ActivityNames.PrepareSource, ActivityNames.PrepareAudioFeatures }
                .Concat(Enumerable.Repeat(WorkflowNames.RenderSegments, 6))
                .Concat([ActivityNames.Stitch, ActivityNames.WriteReport]));
    }

    [Fact]
    public async Task A_failed_run_replays_too()
    {
        var recorder = new WorkflowRecorder();
        _job.Activities.RenderFault = (segment, _) => segment == 2 ? new BadInputException("video", "frame 13 is corrupt") : null;
        var input = await _job.StageAsync("job-replay-fail", _job.Request(new VideoDescriptor(30, "25"), null, new JobOptions { SegmentFrames = 5 }), Ct);
        var run = () => _job.Executor(new LocalExecutorOptions { Recorder = recorder }).RunAsync<DubJobResult>(WorkflowNames.DubJob, "job-replay-fail", input, Ct);
        await run.Should().ThrowAsync<WorkflowFailedException>();

        var results = await WorkflowReplayer.ReplayAllAsync(recorder, WorkflowCatalog.Default, Ct);
        results.Should().HaveCount(2);
        results.Single(r => r.InstanceId == "job-replay-fail").Outcome.Failure!.RootCause.ErrorMessage.Should().Contain("frame 13 is corrupt");
        recorder["job-replay-fail"].Decisions.Where(d => d.Kind == WorkflowEventKind.ActivityScheduled).Select(d => d.Name)
            .Should().EndWith(ActivityNames.WriteReport, "the failure is reported");
        recorder["job-replay-fail"].Decisions[^1].Payload.Should().Contain("\"phase\":\"failed\"");
    }

    [Fact]
    public async Task A_workflow_that_reads_the_clock_is_caught_on_replay()
    {
        var catalog = WorkflowCatalog.Default.With<int, int>("ClockReader", async (context, _) =>
            (int)await context.CallActivityAsync<long>("EchoTicks", DateTime.UtcNow.Ticks)); // forbidden: the real clock
        var recorder = new WorkflowRecorder();
        var executor = new LocalWorkflowExecutor(EchoActivities(), catalog, new LocalExecutorOptions { Recorder = recorder });
        await executor.RunAsync<int>("ClockReader", "clock-1", 0, Ct);
        await Task.Delay(2, Ct);

        var replay = () => WorkflowReplayer.ReplayAsync(recorder["clock-1"], catalog, Ct);
        (await replay.Should().ThrowAsync<NonDeterministicWorkflowException>())
            .WithMessage("replay of workflow 'clock-1' (ClockReader) diverged at event 0: the workflow made [#0 call activity EchoTicks *], the recording has [#0 call activity EchoTicks *]");
    }

    [Fact]
    public async Task A_workflow_whose_decisions_change_is_caught_with_the_place_named()
    {
        var runs = 0;
        var catalog = WorkflowCatalog.Default.With<int, int>("Flaky", async (context, input) =>
        {
            var first = await context.CallActivityAsync<int>("Echo", input);
            // Different code on the second run: what an unversioned deploy does to in-flight instances.
            return Interlocked.Increment(ref runs) == 1
                ? await context.CallActivityAsync<int>("Echo", first + 1)
                : await context.CallActivityAsync<int>("Double", first);
        });
        var recorder = new WorkflowRecorder();
        await new LocalWorkflowExecutor(EchoActivities(), catalog, new LocalExecutorOptions { Recorder = recorder }).RunAsync<int>("Flaky", "flaky-1", 5, Ct);

        var replay = () => WorkflowReplayer.ReplayAsync(recorder["flaky-1"], catalog, Ct);
        (await replay.Should().ThrowAsync<NonDeterministicWorkflowException>())
            .WithMessage("replay of workflow 'flaky-1' (Flaky) diverged at event 2: the workflow made [#1 call activity Double 5], the recording has [#1 call activity Echo 6]");
    }

    [Fact]
    public async Task A_truncated_or_extended_history_is_caught()
    {
        var catalog = WorkflowCatalog.Default.With<int, int>("TwoCalls", async (context, input) =>
            await context.CallActivityAsync<int>("Echo", await context.CallActivityAsync<int>("Echo", input)));
        var recorder = new WorkflowRecorder();
        await new LocalWorkflowExecutor(EchoActivities(), catalog, new LocalExecutorOptions { Recorder = recorder }).RunAsync<int>("TwoCalls", "two-1", 1, Ct);
        var history = recorder["two-1"];

        var truncated = history with { Events = history.Events.Take(history.Events.Count - 1).ToArray() };
        var replayTruncated = () => WorkflowReplayer.ReplayAsync(truncated, catalog, Ct);
        (await replayTruncated.Should().ThrowAsync<NonDeterministicWorkflowException>()).WithMessage("*waits for a result, but the recording ends here*");

        var extended = history with { Events = [.. history.Events, new WorkflowEvent(WorkflowEventKind.ActivityScheduled, 2, "Echo", "1")] };
        var replayExtended = () => WorkflowReplayer.ReplayAsync(extended, catalog, Ct);
        (await replayExtended.Should().ThrowAsync<NonDeterministicWorkflowException>()).WithMessage("*finished, but the recording continues with [#2 call activity Echo 1]*");

        var unfinished = history with { Finished = false };
        var replayUnfinished = () => WorkflowReplayer.ReplayAsync(unfinished, catalog, Ct);
        await replayUnfinished.Should().ThrowAsync<ArgumentException>().WithMessage("*unfinished*");
    }

    [Fact]
    public async Task Time_ids_and_timers_are_deterministic_on_replay()
    {
        var replaying = new List<bool>();
        var catalog = WorkflowCatalog.Default.With<int, string>("Clocked", async (context, _) =>
        {
            lock (replaying) replaying.Add(context.IsReplaying);
            var start = context.CurrentUtcDateTime;
            var ids = $"{context.NewGuid()} {context.NewGuid()}";
            var fireAt = start.AddMilliseconds(30);
            await context.CreateTimer(fireAt, CancellationToken.None);
            var afterTimer = context.CurrentUtcDateTime;
            using var cancel = new CancellationTokenSource();
            var never = context.CreateTimer(start.AddHours(1), cancel.Token);
            cancel.Cancel();
            var canceled = false;
            try
            {
                await never;
            }
            catch (TaskCanceledException)
            {
                canceled = true;
            }
            return $"{ids} {afterTimer >= fireAt} {afterTimer.Ticks} {canceled}";
        });
        var recorder = new WorkflowRecorder();
        var executor = new LocalWorkflowExecutor(EchoActivities(), catalog, new LocalExecutorOptions { Recorder = recorder });
        var live = await executor.RunAsync<string>("Clocked", "clocked-1", 0, Ct);
        var again = await executor.RunAsync<string>("Clocked", "clocked-1", 0, Ct);
        var other = await executor.RunAsync<string>("Clocked", "clocked-2", 0, Ct);

        live.Should().EndWith("True").And.Contain(" True ");
        var ids = live.Split(' ')[..2];
        ids[0].Should().NotBe(ids[1]);
        again.Split(' ')[..2].Should().Equal(ids, "ids derive from the instance id and a counter");
        other.Split(' ')[..2].Should().NotEqual(ids);

        var replay = await WorkflowReplayer.ReplayAsync(recorder["clocked-1"], catalog, Ct);
        WorkflowJson.Deserialize<string>(replay.Outcome.Output).Should().Be(again, "a replay sees the recorded times");
        replaying.Should().Equal(false, false, false, true);
        recorder["clocked-1"].Decisions.Count(d => d.Kind == WorkflowEventKind.TimerScheduled).Should().Be(2);
    }

    [Fact]
    public async Task Workflow_code_that_leaves_its_thread_fails_with_a_clear_message()
    {
        var catalog = WorkflowCatalog.Default.With<int, int>("Escapes", async (context, input) =>
        {
            await Task.Delay(1).ConfigureAwait(false); // forbidden twice over: a real timer, and leaving the thread
            return await context.CallActivityAsync<int>("Echo", input);
        });
        var run = () => new LocalWorkflowExecutor(EchoActivities(), catalog).RunAsync<int>("Escapes", "escapes-1", 1, Ct);
        (await run.Should().ThrowAsync<WorkflowFailedException>()).Which.Failure.ErrorMessage
            .Should().Contain("outside the workflow thread");
    }

    internal static ActivityRegistry EchoActivities() => new ActivityRegistry()
        .Add<int, int>("Echo", (value, _, _) => Task.FromResult(value))
        .Add<int, int>("Double", (value, _, _) => Task.FromResult(2 * value))
        .Add<long, long>("EchoTicks", (value, _, _) => Task.FromResult(value));
}
