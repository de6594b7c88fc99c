using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using SwapTalk.Cli;
using SwapTalk.Bench;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Fleet;
using SwapTalk.Tests.Pipeline;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Fleet;

/// <summary>
/// The fleet under failure, with real parts (Azurite of the test's own, real worker and submitter processes, the
/// real pipeline): bad input, a worker killed mid-segment, storage lost for a while.
/// </summary>
public sealed partial class FleetFailureTests
{
    private const string Hub = "fleetfail";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Worker(LocalAzurite azurite, string models, string name, int grace = 30) =>
        ["worker", "--storage", azurite.ConnectionString, "--task-hub", Hub, "--models", models, "--name", name, "--lease", "15", "--threads", "1",
            "--grace", $"{grace}", "--poll", "0.5"]; // an idle worker sees work within half a second (default 5 s)

    private static string[] Dub(LocalAzurite azurite, string models, string portrait, string clip, string output) =>
        ["dub", "--engine", "latent", "--face", portrait, "--video", clip, "--models", models,
            "--segment-frames", "4", "--lossless", "--out", output, "--storage", azurite.ConnectionString, "--task-hub", Hub];

    private static string NewDir()
    {
        var dir = Path.Combine(Dir, $"fleet-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public async Task Bad_input_fails_once_naming_the_portrait_and_is_not_retried()
    {
        var dir = NewDir();
        await using var azurite = await OwnAzurite.StartAsync(Path.Combine(dir, "azurite"));
        var models = await ModelsAsync();
        var clip = await ShortClipAsync();
        var faceless = await FacelessPortraitAsync();
        await using var worker = SwaptalkProcess.Start(Worker(azurite, models, "worker-a"));

        // Through `dub --storage`: the submitter's up-front check refuses it, exit 2, naming the portrait; no job is started.
        await using var dub = SwaptalkProcess.Start(Dub(azurite, models, faceless, clip, Path.Combine(dir, "out.mkv")));
        (await dub.WaitAsync(TimeSpan.FromMinutes(2))).Should().Be(2, dub.Output);
        dub.Output.Should().Contain($"portrait: no face found in '{faceless}'").And.NotContain("started on task hub");

        // A submitter without that check (any client of the task hub): the job reaches the fleet, fails once at
        // PrepareSource with a status naming the portrait, and the activity is not retried.
        var fleet = new FleetOptions(FleetStorage.Parse(azurite.ConnectionString), Hub);
        var store = await fleet.Storage.JobStoreAsync(Hub, Path.Combine(dir, "scratch"), Ct);
        var services = ServicesFor(store);
        var request = Request(clip, null, models, Lossless(4), portrait: faceless, output: Path.Combine(dir, "out.mkv"));
        var runner = new LocalJobRunner(store, new ActivityRegistry(), null, new NoFaceCheck(PipelineActivities.UpFrontInspector(services, models)),
            PipelineActivities.Inventory(services), JobLimits.Default);
        var staged = await runner.StageAsync(request, cancellationToken: Ct);
        var client = await FleetClient.ConnectAsync(fleet, NullLoggerFactory.Instance);
        (await client.StartOrAttachAsync(staged.Input)).Should().BeTrue();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var final = await client.WaitAsync(staged.JobId, _ => { }, TimeSpan.FromMilliseconds(500), timeout.Token);
        final.Status.Should().Be(DurableTask.Core.OrchestrationStatus.Failed, worker.Output);
        final.FailureMessage.Should().Contain("portrait").And.Contain("no face");
        await Task.Delay(TimeSpan.FromSeconds(5), Ct); // a retry, were there one, would start within its first interval
        Count(worker.Output, $"PrepareSource of {staged.JobId} started").Should().Be(1, worker.Output);
        Lines(worker.Output).Should().NotContain(l => IsRender(l));
    }

    [Fact]
    public async Task A_worker_killed_mid_segment_leaves_the_job_to_the_other_worker_and_the_output_equals_the_embedded_run()
    {
        await RunWithTroubleAsync(async (a, b, _) =>
        {
            var victim = await FirstToStartAsync(a, b);
            victim.Crash();
        });
    }

    [Fact]
    public async Task Storage_lost_for_ten_seconds_while_the_job_runs_and_workers_and_the_submitter_recover()
    {
        await RunWithTroubleAsync(async (a, b, azurite) =>
        {
            await FirstToStartAsync(a, b);
            await azurite.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(10), Ct);
            await azurite.RestartAsync();
        });
    }

    [Fact]
    public async Task Workers_stopped_with_SIGTERM_finish_or_abandon_their_segment_take_no_more_work_and_a_later_worker_completes_the_job()
    {
        var (dir, azurite, models, clip, request, embedded) = await ReferenceAsync(await ShortClipAsync());
        await using var ownAzurite = azurite;

        // finisher: 30 s of grace, plenty for a 4-frame segment; abandoner: none, so its segment goes back to the queue.
        await using var finisher = SwaptalkProcess.Start(Worker(azurite, models, "finisher", grace: 30));
        await using var abandoner = SwaptalkProcess.Start(Worker(azurite, models, "abandoner", grace: 0));
        var fleetOut = Path.Combine(dir, "fleet.mkv");
        await using var dub = SwaptalkProcess.Start(Dub(azurite, models, request.Portrait, clip, fleetOut));

        await InSegmentAsync(finisher);
        finisher.Terminate();
        await InSegmentAsync(abandoner);
        abandoner.Terminate();
        (await finisher.WaitAsync(TimeSpan.FromMinutes(1))).Should().Be(0, finisher.Output);
        (await abandoner.WaitAsync(TimeSpan.FromMinutes(1))).Should().Be(0, abandoner.Output);

        var finished = AfterStopping(finisher.Output);
        finished.Should().Contain(l => IsRender(l) && l.Contains(" done in "), "the segment in flight finishes within the grace");
        finished.Should().NotContain(l => l.Contains("abandon"));
        finished.Last().Should().EndWith("stopped");
        var abandoned = AfterStopping(abandoner.Output);
        abandoned.Should().Contain(l => IsRender(l) && l.Contains(" abandoned after "));
        abandoned.Should().NotContain(l => IsRender(l) && l.Contains(" done in "));
        abandoned.Last().Should().EndWith("stopped");
        foreach (var stopped in new[] { finished, abandoned })
            stopped.Should().NotContain(l => l.TrimEnd().EndsWith("started"), "a stopping worker takes no new work");
        dub.HasExited.Should().BeFalse("the abandoned segment is still to render");

        // A worker that did not exist when the segment was abandoned renders it and the rest.
        await using var later = SwaptalkProcess.Start(Worker(azurite, models, "later"));
        (await dub.WaitAsync(TimeSpan.FromMinutes(4))).Should().Be(0, dub.Output + later.Output);
        await SameFramesAsync(embedded.Output, fleetOut);

        // The report credits each worker with exactly the segments it finished.
        var report = JsonSerializer.Deserialize<JobReport>(File.ReadAllText(Path.ChangeExtension(fleetOut, ".report.json")), StoredJson.Options)!;
        var credited = report.SegmentRecords.GroupBy(r => r.Worker ?? "").ToDictionary(g => g.Key, g => g.Count());
        credited.GetValueOrDefault("finisher").Should().Be(Done(finisher.Output)).And.BePositive();
        credited.GetValueOrDefault("abandoner").Should().Be(Done(abandoner.Output));
        var abandonedSegment = int.Parse(RenderLine().Match(abandoned.Single(l => l.Contains(" abandoned after "))).Groups[1].Value);
        report.SegmentRecords.Single(r => r.Index == abandonedSegment).Worker.Should().Be("later", "the abandoned segment went back to the queue");
        credited.GetValueOrDefault("later").Should().Be(report.Segments - Done(finisher.Output) - Done(abandoner.Output)).And.BePositive();
    }

    [Fact]
    public async Task Jobs_status_follows_a_fleet_job_cancel_ends_it_and_a_resubmission_reuses_its_stored_segments()
    {
        // 75 frames in 4-frame segments: 19 segments, time enough to look and cancel.
        var (dir, azurite, models, clip, request, embedded) = await ReferenceAsync(SharedData.GridClip());
        await using var ownAzurite = azurite;
        var jobId = embedded.Result.Result.JobId;
        await using var worker = SwaptalkProcess.Start(Worker(azurite, models, "worker-a"));
        var fleetOut = Path.Combine(dir, "fleet.mkv");
        await using var first = SwaptalkProcess.Start(Dub(azurite, models, request.Portrait, clip, fleetOut));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (Done(worker.Output) < 2)
        {
            if (DateTime.UtcNow > deadline || worker.HasExited) Assert.Fail($"no segments rendered:\n{worker.Output}\n{first.Output}");
            await Task.Delay(50, Ct);
        }

        var (code, output, error) = await JobsAsync(azurite, "status", jobId);
        code.Should().Be(0, error);
        // Segment by segment, as the embedded run shows it: the batches' own counts, not the job's count of finished batches.
        output.Should().StartWith($"{jobId}: running: rendering ").And.MatchRegex(@"rendering ([2-9]|1\d)/19 segments, [1-9]\d*/75 frames");
        (code, output, error) = await JobsAsync(azurite, "cancel", jobId);
        (code, output.Trim()).Should().Be((0, $"{jobId}: cancelled"), error);
        (await first.WaitAsync(TimeSpan.FromMinutes(1))).Should().Be(1, first.Output);
        first.Output.Should().Contain("dub: the job terminated");
        File.Exists(fleetOut).Should().BeFalse("a cancelled job has no output");
        (code, output, _) = await JobsAsync(azurite, "status", jobId);
        code.Should().Be(0);
        output.Should().StartWith($"{jobId}: terminated");
        (code, _, error) = await JobsAsync(azurite, "cancel", jobId);
        (code, error.Trim()).Should().Be((2, $"jobs: '{jobId}' is not a pending or running job in this task hub"));
        (code, _, error) = await JobsAsync(azurite, "status", "job-none");
        (code, error.Trim()).Should().Be((2, "jobs: no job 'job-none' in this task hub"));

        // The same inputs again: the job starts anew under its id and reuses the segments stored before the cancel.
        await using var again = SwaptalkProcess.Start(Dub(azurite, models, request.Portrait, clip, fleetOut));
        (await again.WaitAsync(TimeSpan.FromMinutes(4))).Should().Be(0, again.Output + worker.Output);
        again.Output.Should().Contain($"job {jobId} started");
        var report = JsonSerializer.Deserialize<JobReport>(File.ReadAllText(Path.ChangeExtension(fleetOut, ".report.json")), StoredJson.Options)!;
        report.SegmentsReused.Should().BeGreaterThanOrEqualTo(2);
        (report.SegmentsReused + report.SegmentsRendered).Should().Be(19);
        report.SegmentRecords.Should().HaveCount(19).And.OnlyContain(r => r.Worker == "worker-a");
        await SameFramesAsync(embedded.Output, fleetOut);
    }

    /// <summary><c>swaptalk jobs ...</c> in this process, through the real command tree.</summary>
    private static async Task<(int Code, string Out, string Err)> JobsAsync(LocalAzurite azurite, string verb, string id)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Program.InvokeAsync(["jobs", verb, id, "--storage", azurite.ConnectionString, "--task-hub", Hub],
            new InvocationConfiguration { Output = stdout, Error = stderr }, Ct);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A fresh folder, an Azurite of the test's own in it, and the embedded run of the lossless job the fleet will do.</summary>
    private static async Task<(string Dir, LocalAzurite Azurite, string Models, string Clip, JobRequest Request, DubRun Embedded)> ReferenceAsync(string clip)
    {
        var dir = NewDir();
        var azurite = await OwnAzurite.StartAsync(Path.Combine(dir, "azurite"));
        var models = await ModelsAsync();
        var request = Request(clip, null, models, Lossless(4), output: Path.Combine(dir, "embedded.mkv"));
        return (dir, azurite, models, clip, request, await DubAsync(request, Path.Combine(dir, "embedded"), cancellationToken: Ct));
    }

    private static async Task SameFramesAsync(string expectedVideo, string actualVideo)
    {
        var expected = await FramesAsync(expectedVideo);
        var actual = await FramesAsync(actualVideo);
        actual.Length.Should().Be(expected.Length);
        for (var i = 0; i < expected.Length; i++) actual[i].AsSpan().SequenceEqual(expected[i]).Should().BeTrue($"frame {i} is lossless and deterministic");
    }

    /// <summary>Waits until <paramref name="worker"/> is in the middle of a segment (more started than done).</summary>
    private static async Task InSegmentAsync(SwaptalkProcess worker)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (Started(worker.Output) <= Done(worker.Output) + Abandoned(worker.Output))
        {
            if (worker.HasExited || DateTime.UtcNow > deadline) Assert.Fail($"the worker never started a segment:\n{worker.Output}");
            await Task.Delay(20, Ct);
        }
    }

    private static bool IsRender(string line) => RenderLine().IsMatch(line);

    [GeneratedRegex(@"RenderSegment (\d+) of ")]
    private static partial Regex RenderLine();

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToArray();
    private static int Started(string output) => Lines(output).Count(l => IsRender(l) && l.EndsWith("started"));
    private static int Done(string output) => Lines(output).Count(l => IsRender(l) && l.Contains(" done in "));
    private static int Abandoned(string output) => Lines(output).Count(l => IsRender(l) && l.Contains(" abandoned after "));

    /// <summary>The worker's log lines from its "stopping" line on.</summary>
    private static string[] AfterStopping(string output) => Lines(output).SkipWhile(l => !l.Contains("stopping: no new work")).ToArray();

    /// <summary>Two workers, one fleet dub; <paramref name="trouble"/> strikes while it runs; the output must equal the embedded run's.</summary>
    private static async Task RunWithTroubleAsync(Func<SwaptalkProcess, SwaptalkProcess, LocalAzurite, Task> trouble)
    {
        var (dir, azurite, models, clip, request, embedded) = await ReferenceAsync(await ShortClipAsync());
        await using var ownAzurite = azurite;

        await using var a = SwaptalkProcess.Start(Worker(azurite, models, "worker-a"));
        await using var b = SwaptalkProcess.Start(Worker(azurite, models, "worker-b"));
        var fleetOut = Path.Combine(dir, "fleet.mkv");
        await using var dub = SwaptalkProcess.Start(Dub(azurite, models, request.Portrait, clip, fleetOut));
        await trouble(a, b, azurite);

        (await dub.WaitAsync(TimeSpan.FromMinutes(4))).Should().Be(0, dub.Output + a.Output + b.Output);
        await SameFramesAsync(embedded.Output, fleetOut);
    }

    /// <summary>The first of the two workers to start rendering a segment.</summary>
    private static async Task<SwaptalkProcess> FirstToStartAsync(SwaptalkProcess a, SwaptalkProcess b)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (Started(a.Output) > 0) return a;
            if (Started(b.Output) > 0) return b;
            if (DateTime.UtcNow > deadline) Assert.Fail($"no worker started a segment in time:\n{a.Output}\n{b.Output}");
            await Task.Delay(50, Ct);
        }
    }

    private static int Count(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>A submitter that skips the face check (the portrait's other checks still run): the bad portrait reaches the fleet.</summary>
    private sealed class NoFaceCheck(IJobInputInspector inner) : IJobInputInspector
    {
        public async Task<PortraitFacts> InspectPortraitAsync(string path, FaceSelection selection, CancellationToken cancellationToken) =>
            (await inner.InspectPortraitAsync(path, selection, cancellationToken)) with { FacesFound = 1 };

        public Task<VideoFacts?> ProbeVideoAsync(string path, CancellationToken cancellationToken) => inner.ProbeVideoAsync(path, cancellationToken);
        public Task<AudioFacts?> ProbeAudioAsync(string path, CancellationToken cancellationToken) => inner.ProbeAudioAsync(path, cancellationToken);
    }
}
