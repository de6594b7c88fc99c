using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Composition;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using MediaEngine = SwapTalk.Core.Media.MediaEngine;
using SwapTalk.Core.Models;
using SwapTalk.Core.Models.Probes;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Functions.Functions;
using SwapTalk.Tests.Support;

namespace SwapTalk.Functions.Durable.Tests;

/// <summary>
/// The Functions app's own orchestrator and activity functions (the static <see cref="WorkflowFunctions"/> and the
/// <see cref="ActivityFunctions"/> the app registers) on the Durable Task SDK's InProcessTestHost: a real dub of a GRID
/// clip with the probe models, 3 segments in 2 sub-orchestrations, replayed by the real engine, and compared bit for
/// bit with the embedded executor's run of the same job (what `swaptalk dub` runs).
/// </summary>
public sealed class DurableDubTests : IClassFixture<DurableDubTests.Inputs>
{
    private readonly Inputs _inputs;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public DurableDubTests(Inputs inputs) => _inputs = inputs;

    /// <summary>Short waits: the transient failure below is retried after 100 ms, not 5 s.</summary>
    private static readonly JobRetry FastRetry = new(3, TimeSpan.FromMilliseconds(100), 2.0, TimeSpan.FromSeconds(1));

    [Fact]
    public async Task A_dub_on_the_durable_engine_replays_retries_a_transient_failure_and_matches_the_embedded_run_bit_for_bit()
    {
        await _inputs.ReadyAsync();
        var request = _inputs.Request();

        // The embedded run: LocalJobRunner on the in-process executor, as `swaptalk dub` runs it.
        using var embeddedDir = new TempDir("swaptalk-embedded");
        var embeddedStore = new FileSystemBlobStore(embeddedDir.Path);
        var embedded = await new LocalJobRunner(embeddedStore, _inputs.Registry(embeddedStore), new LocalExecutorOptions { MaxParallelActivities = 2 },
                _inputs.Inspector(embeddedStore), _inputs.Inventory(embeddedStore))
            .RunAsync(request with { Output = embeddedDir.File("out.mkv") }, FastRetry, Ct);

        // The same job on the Durable engine: its inputs staged the same way, in a store of its own.
        using var durableDir = new TempDir("swaptalk-durable");
        var store = new FileSystemBlobStore(durableDir.Path);
        var attempts = new ConcurrentDictionary<int, int>();
        var registry = _inputs.Registry(store).Wrap<RenderSegmentInput, RenderSegmentResult>(ActivityNames.RenderSegment, render => async (input, ct) =>
        {
            // A transient fault: segment 1's first attempt loses its storage.
            if (attempts.AddOrUpdate(input.SegmentIndex, 1, (_, n) => n + 1) == 1 && input.SegmentIndex == 1)
                throw new IOException("storage connection reset (injected)");
            return await render(input, ct);
        });
        var staged = await new LocalJobRunner(store, registry, null, _inputs.Inspector(store), _inputs.Inventory(store)).StageAsync(request, FastRetry, Ct);
        staged.JobId.Should().Be(embedded.Result.JobId, "the same inputs, models and options are the same job");

        var replays = new ConcurrentDictionary<string, int>();
        await using var host = await StartHostAsync(new ActivityFunctions(registry), replays);
        var instanceId = await host.Client.ScheduleNewOrchestrationInstanceAsync(WorkflowNames.DubJob, staged.Input,
            new StartOrchestrationOptions(staged.JobId), Ct);
        var metadata = await WaitAsync(host.Client, instanceId);

        metadata.RuntimeStatus.Should().Be(OrchestrationRuntimeStatus.Completed, metadata.FailureDetails?.ToString());
        var result = metadata.ReadOutputAs<DubJobResult>()!;
        result.SegmentsRendered.Should().Be(3);
        metadata.ReadCustomStatusAs<JobStatus>()!.Phase.Should().Be(JobStatus.Done);
        attempts.Should().Equal(new Dictionary<int, int> { [0] = 1, [1] = 2, [2] = 1 }, "segment 1 was retried once; the others ran once");
        replays[instanceId].Should().BeGreaterThan(0, "the engine replayed the job's history on every later episode");
        var batches = replays.Keys.Where(k => k.StartsWith($"{instanceId}:render:", StringComparison.Ordinal)).Order().ToArray();
        batches.Should().Equal($"{instanceId}:render:0000", $"{instanceId}:render:0001");

        // Every packet of every stream, bit for bit (the Matroska muxer's random segment UID differs between any two runs).
        var durablePackets = await _inputs.PacketsAsync(Path.Combine(durableDir.Path, result.OutputBlob));
        var embeddedPackets = await _inputs.PacketsAsync(embedded.OutputPath!);
        durablePackets.Count(p => p.StartsWith("0,", StringComparison.Ordinal)).Should().Be(_inputs.Frames, "one video packet per frame");
        durablePackets.Should().Equal(embeddedPackets, "the Durable run's output streams equal the embedded run's bit for bit");
        File.ReadAllBytes(Path.Combine(durableDir.Path, result.OutputBlob)).Should().Equal(File.ReadAllBytes(embedded.OutputPath!),
            "the lossless output is muxed bit-exact, so the two files are equal byte for byte");
        var report = await store.ReadJsonAsync<JobReport>(result.ReportBlob, cancellationToken: Ct);
        (report.Outcome, report.Segments, report.OutputFrames).Should().Be((JobOutcome.Succeeded, 3, _inputs.Frames));
    }

    [Fact]
    public async Task Bad_input_fails_the_job_once_with_a_readable_status_and_a_failed_job_record()
    {
        await _inputs.ReadyAsync();
        using var dir = new TempDir("swaptalk-durable-bad");
        var store = new FileSystemBlobStore(dir.Path);
        var prepares = 0;
        var registry = _inputs.Registry(store).Wrap<PrepareSourceInput, PrepareSourceResult>(ActivityNames.PrepareSource, prepare => (input, ct) =>
        {
            Interlocked.Increment(ref prepares);
            return prepare(input, ct);
        });
        // A portrait without a face, staged as a cloud job would be (no up-front check): PrepareSource finds out.
        const string jobId = "job-faceless";
        var portrait = BlobNames.Input(jobId, JobInputRole.Portrait, "portrait.png");
        var video = BlobNames.Input(jobId, JobInputRole.Video, "clip.mkv");
        await store.WriteFileAsync(portrait, _inputs.FacelessPortrait, cancellationToken: Ct);
        await store.WriteFileAsync(video, _inputs.Clip, cancellationToken: Ct);
        var input = new DubJobInput(jobId, new JobInputBlobs(portrait, video, null), _inputs.Models, _inputs.Options, FastRetry);

        await using var host = await StartHostAsync(new ActivityFunctions(registry), new ConcurrentDictionary<string, int>());
        var instanceId = await host.Client.ScheduleNewOrchestrationInstanceAsync(WorkflowNames.DubJob, input, new StartOrchestrationOptions(jobId), Ct);
        var metadata = await WaitAsync(host.Client, instanceId);

        metadata.RuntimeStatus.Should().Be(OrchestrationRuntimeStatus.Failed);
        metadata.FailureDetails!.ToString().Should().Contain("bad input: portrait:", "the failure names the input");
        metadata.ReadCustomStatusAs<JobStatus>()!.Phase.Should().Be(JobStatus.Failed);
        prepares.Should().Be(1, "bad input is never retried");
        var report = await store.ReadJsonAsync<JobReport>(BlobNames.Report(jobId), cancellationToken: Ct);
        report.Outcome.Should().Be(JobOutcome.Failed);
        report.Failure!.Step.Should().Be("prepare");
        report.Failure.BadInput.Should().BeTrue();
        report.Failure.ErrorType.Should().Be(typeof(BadInputException).FullName);
        report.Failure.Message.Should().StartWith("bad input: portrait:");
        (await store.ExistsAsync(BlobNames.Output(jobId), Ct)).Should().BeFalse("no half-made output");
    }

    /// <summary>
    /// The test host with the Functions app's functions registered under their function names; each orchestrator
    /// episode notes whether the engine was replaying when it began.
    /// </summary>
    private static Task<DurableTaskTestHost> StartHostAsync(ActivityFunctions activities, ConcurrentDictionary<string, int> replays)
    {
        Task<T> Orchestrator<T>(TaskOrchestrationContext context, Func<TaskOrchestrationContext, Task<T>> function)
        {
            replays.AddOrUpdate(context.InstanceId, context.IsReplaying ? 1 : 0, (_, n) => n + (context.IsReplaying ? 1 : 0));
            return function(context);
        }
        return DurableTaskTestHost.StartAsync(tasks => tasks
                // Registered with their input types so the engine deserializes the inputs the functions read with GetInput.
                .AddOrchestratorFunc<DubJobInput, DubJobResult>(WorkflowNames.DubJob, (context, _) => Orchestrator(context, WorkflowFunctions.DubJob))
                .AddOrchestratorFunc<RenderSegmentsInput, RenderSegmentsResult>(WorkflowNames.RenderSegments, (context, _) => Orchestrator(context, WorkflowFunctions.RenderSegments))
                .AddActivityFunc<PlanJobInput, PlanJobResult>(ActivityNames.PlanJob, (_, input) => activities.PlanJob(input, CancellationToken.None))
                .AddActivityFunc<PrepareSourceInput, PrepareSourceResult>(ActivityNames.PrepareSource, (_, input) => activities.PrepareSource(input, CancellationToken.None))
                .AddActivityFunc<PrepareAudioFeaturesInput, PrepareAudioFeaturesResult>(ActivityNames.PrepareAudioFeatures, (_, input) => activities.PrepareAudioFeatures(input, CancellationToken.None))
                .AddActivityFunc<RenderSegmentInput, RenderSegmentResult>(ActivityNames.RenderSegment, (_, input) => activities.RenderSegment(input, CancellationToken.None))
                .AddActivityFunc<StitchInput, StitchResult>(ActivityNames.Stitch, (_, input) => activities.Stitch(input, CancellationToken.None))
                .AddActivityFunc<WriteReportInput, WriteReportResult>(ActivityNames.WriteReport, (_, input) => activities.WriteReport(input, CancellationToken.None)),
            // The sidecar logs ~480 info lines a run; warnings and errors are what a failing test needs.
            new DurableTaskTestHostOptions { LoggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole()) });
    }

    private static async Task<OrchestrationMetadata> WaitAsync(DurableTaskClient client, string instanceId)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        return await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }

    /// <summary>
    /// The inputs both tests share, made once: the GRID clip's first 1.2 s (30 frames, lossless, with its own audio:
    /// self-driven), the probe SwapTalk models beside the real YuNet and 68-point models, 10-frame segments in batches of 2.
    /// </summary>
    public sealed class Inputs : IDisposable
    {
        private readonly TempDir _dir = new("swaptalk-durable-inputs");
        private readonly Lazy<Task> _ready;
        private ServiceProvider? _provider;
        private PipelineServices? _services;

        public Inputs() => _ready = new(MakeAsync);

        /// <summary>Makes the inputs on first use, inside a test, so missing shared data skips it with a message.</summary>
        public Task ReadyAsync() => _ready.Value;

        public int Frames => 30;
        public string Clip => _dir.File("clip.mkv");
        public string Models => _dir.File("models");
        public string FacelessPortrait => _dir.File("gradient.png");
        public JobOptions Options { get; } = new() { SegmentFrames = 10, SegmentsPerBatch = 2, Quality = new OutputQuality { Lossless = true } };

        public JobRequest Request() => new() { Portrait = SharedData.Face, Video = Clip, Audio = null, Models = Models, Options = Options };

        public ActivityRegistry Registry(IBlobStore store) => PipelineActivities.Register(new ActivityRegistry(), _services!.WithStore(store));

        public IJobInputInspector Inspector(IBlobStore store) => PipelineActivities.UpFrontInspector(_services!.WithStore(store), Models);

        public IModelInventory Inventory(IBlobStore store) => PipelineActivities.Inventory(_services!.WithStore(store));

        private async Task MakeAsync()
        {
            var grid = SharedData.GridClip();
            _ = SharedData.Face;
            Directory.CreateDirectory(Models);
            ProbeModels.WriteAll(Models, ModelManifest.Default, force: false);
            foreach (var file in new[] { "yunet_n_dynamic.onnx", "peppa_slim_160_68pt.onnx" })
                File.Copy(SharedData.Model(file), Path.Combine(Models, file));
            var media = MediaEngine.FromEnvironment();
            await Ffmpeg(media, "-i", grid, "-t", "1.2", "-c:v", "ffv1", "-level", "3", "-g", "1", "-pix_fmt", "bgr0", "-c:a", "pcm_s16le", Clip);
            using (var image = new PixelBuffer(256, 256))
            {
                for (var y = 0; y < 256; y++)
                    for (var x = 0; x < 256; x++)
                    {
                        var p = image.Row(y).Slice(x * 3, 3);
                        p[0] = (byte)x; p[1] = (byte)y; p[2] = 128;
                    }
                ImageFile.Write(FacelessPortrait, image);
            }
            // The composition root every host calls; each run below gets these services over its own store.
            _provider = new ServiceCollection()
                .AddSingleton<IBlobStore>(new FileSystemBlobStore(_dir.File("unused-store")))
                .AddSingleton(media)
                .AddSingleton(new SwapTalkHostSettings(null, new PipelineOptions { ScratchDirectory = _dir.File("scratch") }))
                .AddSwapTalk(new ConfigurationBuilder().AddEnvironmentVariables().Build())
                .BuildServiceProvider();
            _services = _provider.GetRequiredService<PipelineServices>();
        }

        public void Dispose()
        {
            _provider?.Dispose();
            _dir.Dispose();
        }

        /// <summary>One line per packet of every stream (stream, timestamps, size, MD5 of the packet's bytes), from ffmpeg's framemd5.</summary>
        public async Task<string[]> PacketsAsync(string path)
        {
            var lines = await Ffmpeg(MediaEngine.FromEnvironment(), "-i", path, "-map", "0", "-c", "copy", "-f", "framemd5", "pipe:1");
            return lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToArray();
        }

        private static async Task<string> Ffmpeg(MediaEngine media, params string[] args)
        {
            var psi = new ProcessStartInfo(media.Tools.Ffmpeg) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-y" }.Concat(args)) psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {stderr}");
            return await stdout;
        }
    }
}
