using System.Text.Json;
using SwapTalk.Bench;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Storage;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Fleet;

/// <summary>
/// The worker fleet with real parts: Azurite on loopback, the real <c>swaptalk worker</c> and <c>swaptalk dub
/// --storage</c> processes, the Durable Task Framework's Azure Storage provider, the real pipeline and models.
/// The reference is the embedded run of the same job in this process.
/// </summary>
public sealed class FleetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_workers_share_a_dub_and_its_output_equals_the_embedded_run_frame_for_frame_and_a_duplicate_submission_attaches()
    {
        var dir = Path.Combine(Dir, $"fleet-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        await using var azurite = await OwnAzurite.StartAsync(Path.Combine(dir, "azurite"));
        var models = await ModelsAsync();
        var clip = await ShortClipAsync(); // 25 frames in 4-frame segments: 7 segments
        var request = Request(clip, null, models, Lossless(4), output: Path.Combine(dir, "embedded.mkv")); // self-driven: the clip's own second of audio
        var embedded = await DubAsync(request, Path.Combine(dir, "embedded"), cancellationToken: Ct);
        embedded.Plan.Segments.Count.Should().BeInRange(6, 8);

        const string hub = "fleettest";
        // --poll 0.5: an idle worker looks for work twice a second, so both take part in a dub of 4-frame segments
        // that one worker alone would finish between two polls at the default 5 s.
        string[] Worker(string name) => ["worker", "--storage", azurite.ConnectionString, "--task-hub", hub, "--models", models, "--name", name, "--lease", "15", "--threads", "1",
            "--poll", "0.5"];
        // The embedded request pins the latent engine (probe models: the data-flow check); the fleet dub names it too.
        string[] Dub(string output) => ["dub", "--engine", "latent", "--face", request.Portrait, "--video", clip, "--models", models,
            "--segment-frames", "4", "--lossless", "--out", output, "--storage", azurite.ConnectionString, "--task-hub", hub];
        await using var a = SwaptalkProcess.Start(Worker("worker-a"));
        await using var b = SwaptalkProcess.Start(Worker("worker-b"));
        var fleetOut = Path.Combine(dir, "fleet.mkv");
        await using var first = SwaptalkProcess.Start(Dub(fleetOut));
        await WaitForAsync(() => first.Output.Contains("started on task hub"), first, TimeSpan.FromMinutes(2));
        // The same inputs again while the job runs: the same job id, attached, not a second job.
        var againOut = Path.Combine(dir, "again.mkv");
        await using var again = SwaptalkProcess.Start(Dub(againOut));

        (await first.WaitAsync(TimeSpan.FromMinutes(6))).Should().Be(0, first.Output + a.Output + b.Output);
        (await again.WaitAsync(TimeSpan.FromMinutes(2))).Should().Be(0, again.Output);
        again.Output.Should().Contain($"job {embedded.Result.Result.JobId} is already in task hub {hub}: attached");
        first.Output.Should().Contain($"job {embedded.Result.Result.JobId} started");
        first.Output.Should().NotContain("AccountKey", "the connection string is a secret");
        a.Output.Should().NotContain("AccountKey");

        var expected = await FramesAsync(embedded.Output);
        var actual = await FramesAsync(fleetOut);
        actual.Length.Should().Be(expected.Length);
        for (var i = 0; i < expected.Length; i++) actual[i].AsSpan().SequenceEqual(expected[i]).Should().BeTrue($"frame {i} is lossless and deterministic");
        File.ReadAllBytes(againOut).Should().Equal(File.ReadAllBytes(fleetOut), "both submitters downloaded the one job's output");

        // Who rendered what: the report, downloaded beside the output, names the worker of every segment, and both rendered some.
        var report = JsonSerializer.Deserialize<JobReport>(File.ReadAllText(Path.ChangeExtension(fleetOut, ".report.json")), StoredJson.Options)!;
        report.SegmentRecords.Select(s => s.Index).Should().Equal(Enumerable.Range(0, embedded.Plan.Segments.Count));
        report.SegmentRecords.Select(s => s.Worker).Distinct().Should().BeEquivalentTo(["worker-a", "worker-b"], a.Output + b.Output);
        report.SegmentRecords.Sum(s => s.Frames).Should().Be(report.OutputFrames);
        first.Output.Should().MatchRegex(@"rendered by: worker-a \d+ segment\(s\), worker-b \d+ segment\(s\)");
        embedded.Report.SegmentRecords.Should().OnlyContain(s => s.Worker == null, "one process ran the embedded job");
    }

    private static async Task WaitForAsync(Func<bool> condition, SwaptalkProcess process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (process.HasExited) Assert.Fail($"swaptalk exited {process.ExitCode}: {process.Output}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out; swaptalk's output so far:\n{process.Output}");
            await Task.Delay(200, Ct);
        }
    }
}
