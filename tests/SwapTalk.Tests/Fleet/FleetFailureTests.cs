using Microsoft.Extensions.Logging.Abstractions;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Jobs;
using SwapTalk.Fleet;
using SwapTalk.Tests.Pipeline;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Fleet;

/// <summary>
/// The fleet under failure, with real parts (Azurite of the test's own, real worker and submitter processes, the
/// real pipeline): bad input, a worker killed mid-segment, storage lost for a while.
/// </summary>
public sealed class FleetFailureTests
{
    private const string Hub = "fleetfail";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Worker(OwnAzurite azurite, string models, string name) =>
        ["worker", "--storage", azurite.ConnectionString, "--task-hub", Hub, "--models", models, "--name", name, "--lease", "15", "--threads", "1"];

    private static string[] Dub(OwnAzurite azurite, string models, string portrait, string clip, string output) =>
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
        worker.Output.Should().NotContain("RenderSegment of");
    }

    [Fact]
    public async Task A_worker_killed_mid_segment_leaves_the_job_to_the_other_worker_and_the_output_equals_the_embedded_run()
    {
        await RunWithTroubleAsync(async (a, b, _) =>
        {
            var victim = await FirstToStartAsync(a, b, "RenderSegment of");
            victim.Crash();
        });
    }

    [Fact]
    public async Task Storage_lost_for_ten_seconds_while_the_job_runs_and_workers_and_the_submitter_recover()
    {
        await RunWithTroubleAsync(async (a, b, azurite) =>
        {
            await FirstToStartAsync(a, b, "RenderSegment of");
            await azurite.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(10), Ct);
            await azurite.RestartAsync();
        });
    }

    /// <summary>Two workers, one fleet dub; <paramref name="trouble"/> strikes while it runs; the output must equal the embedded run's.</summary>
    private static async Task RunWithTroubleAsync(Func<SwaptalkProcess, SwaptalkProcess, OwnAzurite, Task> trouble)
    {
        var dir = NewDir();
        await using var azurite = await OwnAzurite.StartAsync(Path.Combine(dir, "azurite"));
        var models = await ModelsAsync();
        var clip = await ShortClipAsync();
        var request = Request(clip, null, models, Lossless(4), output: Path.Combine(dir, "embedded.mkv"));
        var embedded = await DubAsync(request, Path.Combine(dir, "embedded"), cancellationToken: Ct);

        await using var a = SwaptalkProcess.Start(Worker(azurite, models, "worker-a"));
        await using var b = SwaptalkProcess.Start(Worker(azurite, models, "worker-b"));
        var fleetOut = Path.Combine(dir, "fleet.mkv");
        await using var dub = SwaptalkProcess.Start(Dub(azurite, models, request.Portrait, clip, fleetOut));
        await trouble(a, b, azurite);

        (await dub.WaitAsync(TimeSpan.FromMinutes(4))).Should().Be(0, dub.Output + a.Output + b.Output);
        var expected = await FramesAsync(embedded.Output);
        var actual = await FramesAsync(fleetOut);
        actual.Length.Should().Be(expected.Length);
        for (var i = 0; i < expected.Length; i++) actual[i].AsSpan().SequenceEqual(expected[i]).Should().BeTrue($"frame {i} is lossless and deterministic");
    }

    private static async Task<SwaptalkProcess> FirstToStartAsync(SwaptalkProcess a, SwaptalkProcess b, string activity)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (Started(a.Output)) return a;
            if (Started(b.Output)) return b;
            if (DateTime.UtcNow > deadline) Assert.Fail($"no worker started {activity} in time:\n{a.Output}\n{b.Output}");
            await Task.Delay(50, Ct);
        }

        bool Started(string output) => output.Contains(activity) && output.Split('\n').Any(l => l.Contains(activity) && l.TrimEnd().EndsWith("started"));
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
