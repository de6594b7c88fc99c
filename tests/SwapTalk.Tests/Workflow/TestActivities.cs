using Rational = SwapTalk.Core.Media.Rational;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;
using SwapTalk.Core.Workflow;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Workflow;

/// <summary>
/// Synthetic "media" for orchestration tests: small JSON descriptors stand in for the portrait, video and audio
/// files, so the workflow, executor, planner and storage run for real while the media and model work (written
/// elsewhere) is replaced by <see cref="TestActivities"/>.
/// </summary>
public sealed record VideoDescriptor(int Frames, string Rate, int Width = 360, int Height = 288, bool HasAudio = true);

public sealed record AudioDescriptor(double Seconds);

public sealed record PortraitDescriptor(int Faces = 1, int Width = 512, int Height = 512);

/// <summary>One rendered frame as the stand-in renderer writes it: output index, source frame, presentation time.</summary>
public sealed record RenderedFrame(int Output, int Source, long Ticks, bool Face);

/// <summary>Reads the descriptors: the inspector the real ffprobe/detector adapter will replace.</summary>
public sealed class DescriptorInspector : IJobInputInspector
{
    public async Task<PortraitFacts> InspectPortraitAsync(string path, FaceSelection selection, CancellationToken cancellationToken)
    {
        var p = await Read<PortraitDescriptor>(path, "portrait", cancellationToken);
        return new PortraitFacts(p.Width, p.Height, p.Faces);
    }

    public async Task<VideoFacts?> ProbeVideoAsync(string path, CancellationToken cancellationToken)
    {
        var v = await Read<VideoDescriptor>(path, "video", cancellationToken);
        if (v.Frames < 0) return null; // "no video stream"
        var rate = Rational.Parse(v.Rate);
        return new VideoFacts(v.Frames, rate, v.Width, v.Height, rate.FrameSeconds(v.Frames), v.HasAudio, v.HasAudio ? rate.FrameSeconds(v.Frames) : null);
    }

    public async Task<AudioFacts?> ProbeAudioAsync(string path, CancellationToken cancellationToken)
    {
        var a = await Read<AudioDescriptor>(path, "audio", cancellationToken);
        return new AudioFacts(a.Seconds, 16000, 1);
    }

    private static async Task<T> Read<T>(string path, string input, CancellationToken cancellationToken)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(await File.ReadAllTextAsync(path, cancellationToken), WorkflowJson.Options)!;
        }
        catch (JsonException ex)
        {
            throw new BadInputException(input, $"'{path}' is not a test descriptor: {ex.Message}");
        }
    }
}

/// <summary>
/// Deterministic stand-ins for the activities whose real bodies (media, inference, vision) are written elsewhere:
/// PrepareSource, PrepareAudioFeatures, RenderSegment and Stitch. They follow the real contracts: blobs in, blobs
/// out, idempotent through <see cref="BlobStoreExtensions.ProduceOnceAsync"/>, bad input as BadInputException.
/// PlanJob and WriteReport are the core's real activities.
/// </summary>
public sealed class TestActivities(IBlobStore store)
{
    private int _active;
    private readonly ConcurrentDictionary<int, int> _attempts = new();

    /// <summary>Segments actually rendered (not reused), in completion order.</summary>
    public ConcurrentQueue<int> Rendered { get; } = new();

    /// <summary>Every RenderSegment attempt as (segment, attempt).</summary>
    public ConcurrentQueue<(int Segment, int Attempt)> RenderAttempts { get; } = new();

    /// <summary>Throw this (or nothing) for a segment's attempt.</summary>
    public Func<int, int, Exception?>? RenderFault { get; set; }

    /// <summary>Runs inside RenderSegment before the segment is produced (to block, slow down or cancel).</summary>
    public Func<int, CancellationToken, Task>? BeforeRender { get; set; }

    /// <summary>Called after a segment blob is committed.</summary>
    public Action<int>? AfterRender { get; set; }

    public int MaxActive { get; private set; }
    public int Active => Volatile.Read(ref _active);

    public ActivityRegistry Registry(IJobInputInspector? inspector = null) =>
        LocalJobRunner.AddCoreActivities(new ActivityRegistry(), store, inspector ?? new DescriptorInspector())
            .Add<PrepareSourceInput, PrepareSourceResult>(ActivityNames.PrepareSource, PrepareSourceAsync)
            .Add<PrepareAudioFeaturesInput, PrepareAudioFeaturesResult>(ActivityNames.PrepareAudioFeatures, PrepareAudioAsync)
            .Add<RenderSegmentInput, RenderSegmentResult>(ActivityNames.RenderSegment, RenderAsync)
            .Add<StitchInput, StitchResult>(ActivityNames.Stitch, StitchAsync);

    private async Task<PrepareSourceResult> PrepareSourceAsync(PrepareSourceInput input, CancellationToken ct)
    {
        var portrait = await store.ReadJsonAsync<PortraitDescriptor>(input.PortraitBlob, WorkflowJson.Options, ct);
        if (portrait.Faces < 1) throw new BadInputException("portrait", $"no face found in '{input.PortraitBlob}'");
        var blob = BlobNames.SourceLatent(input.JobId);
        var produced = await store.ProduceOnceAsync(blob,
            (Stream s, CancellationToken c) => s.WriteAsync(Encoding.UTF8.GetBytes($"latent of {input.PortraitBlob}"), c).AsTask(), cancellationToken: ct);
        return new PrepareSourceResult(blob, portrait.Faces, produced.Reused, 0.01);
    }

    private async Task<PrepareAudioFeaturesResult> PrepareAudioAsync(PrepareAudioFeaturesInput input, CancellationToken ct)
    {
        var text = await store.ReadTextAsync(input.AudioBlob, ct);
        var seconds = text.Contains("\"seconds\"") ? JsonSerializer.Deserialize<AudioDescriptor>(text, WorkflowJson.Options)!.Seconds
            : JsonSerializer.Deserialize<VideoDescriptor>(text, WorkflowJson.Options) is { } v ? Rational.Parse(v.Rate).FrameSeconds(v.Frames) : 0;
        var count = (int)(seconds * 50);
        var blob = BlobNames.AudioFeatures(input.JobId);
        var produced = await store.ProduceOnceAsync(blob,
            (Stream s, CancellationToken c) => s.WriteAsync(new byte[count], c).AsTask(), cancellationToken: ct);
        return new PrepareAudioFeaturesResult(blob, count, produced.Reused, 0.01);
    }

    private async Task<RenderSegmentResult> RenderAsync(RenderSegmentInput input, CancellationToken ct)
    {
        var active = Interlocked.Increment(ref _active);
        lock (Rendered) MaxActive = Math.Max(MaxActive, active);
        try
        {
            // Activities are not told their attempt (Durable does not either): count them here.
            var attempt = _attempts.AddOrUpdate(input.SegmentIndex, 1, (_, n) => n + 1);
            RenderAttempts.Enqueue((input.SegmentIndex, attempt));
            if (RenderFault?.Invoke(input.SegmentIndex, attempt) is { } fault) throw fault;
            var plan = await store.ReadJsonAsync<JobPlan>(input.PlanBlob, cancellationToken: ct);
            var segment = plan.Segment(input.SegmentIndex);
            var blob = SegmentMetadata.BlobName(input.JobId, input.SegmentIndex, plan.Quality); // the real renderer's name
            var frames = Enumerable.Range((int)segment.Output.Start, segment.FrameCount)
                .Select(i => new RenderedFrame(i, plan.SourceFrameOf(i), plan.PresentationTime(i).Ticks, plan.SourceFrameOf(i) % 10 != 9))
                .ToArray();
            var withFace = frames.Count(f => f.Face);
            if (await store.GetPropertiesAsync(blob, ct) is null && BeforeRender is { } before) await before(input.SegmentIndex, ct);

            using var span = SwapTalkTelemetry.StartStage("render-test", input.JobId, input.SegmentIndex);
            // As the real renderer will: frame counts go into the blob's metadata at commit, and a blob without
            // them (from a crash or an older version) is rendered again rather than reported wrongly.
            var produced = await store.ProduceOnceAsync(blob, async (PendingBlob pending, CancellationToken c) =>
                {
                    await using (var s = new FileStream(pending.LocalPath, FileMode.CreateNew))
                        foreach (var frame in frames)
                            await s.WriteAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(frame, WorkflowJson.Options) + "\n"), c);
                    pending.Metadata[SegmentMetadata.Frames] = frames.Length.ToString();
                    pending.Metadata[SegmentMetadata.FramesWithFace] = withFace.ToString();
                },
                reuseIf: p => p.Metadata.ContainsKey(SegmentMetadata.Frames) && p.Metadata.ContainsKey(SegmentMetadata.FramesWithFace),
                cancellationToken: ct);
            var metadata = produced.Properties.Metadata;
            var tags = SwapTalkTelemetry.JobTags(input.JobId, input.SegmentIndex);
            tags.Add(SwapTalkTelemetry.Tags.Reused, produced.Reused);
            SwapTalkTelemetry.FramesRendered.Add(frames.Length, tags);
            if (!produced.Reused)
            {
                Rendered.Enqueue(input.SegmentIndex);
                AfterRender?.Invoke(input.SegmentIndex);
            }
            return new RenderSegmentResult(input.SegmentIndex, blob, int.Parse(metadata[SegmentMetadata.Frames]),
                int.Parse(metadata[SegmentMetadata.FramesWithFace]), produced.Reused, 0.001);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private async Task<StitchResult> StitchAsync(StitchInput input, CancellationToken ct)
    {
        var plan = await store.ReadJsonAsync<JobPlan>(input.PlanBlob, cancellationToken: ct);
        var all = new List<string>();
        for (var i = 0; i < input.SegmentCount; i++)
            all.AddRange((await store.ReadTextAsync(SegmentMetadata.BlobName(input.JobId, i, plan.Quality), ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await store.ProduceOnceAsync(input.OutputBlob,
            (Stream s, CancellationToken c) => s.WriteAsync(Encoding.UTF8.GetBytes(string.Join("\n", all) + "\n"), c).AsTask(), cancellationToken: ct);
        return new StitchResult(input.OutputBlob, all.Count, plan.OutputDuration.TotalSeconds, 0.01);
    }

    public static async Task<IReadOnlyList<RenderedFrame>> ReadOutputAsync(IBlobStore store, string blob, CancellationToken ct) =>
        (await store.ReadTextAsync(blob, ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<RenderedFrame>(line, WorkflowJson.Options)!).ToArray();
}

/// <summary>A job's world for one test: a temp folder, a file-system blob store, fake models, staged descriptor inputs.</summary>
public sealed class JobFixture : IDisposable
{
    private readonly TempDir _dir = new("swaptalk-workflow");

    public JobFixture()
    {
        Store = new FileSystemBlobStore(Path.Combine(_dir.Path, "store"));
        ModelsDir = Path.Combine(_dir.Path, "models");
        Directory.CreateDirectory(ModelsDir);
        System.IO.File.WriteAllText(Path.Combine(ModelsDir, "vq_encoder.onnx"), "encoder weights");
        System.IO.File.WriteAllText(Path.Combine(ModelsDir, "lip_syncer.onnx"), "syncer weights");
        Activities = new TestActivities(Store);
    }

    public string Root => _dir.Path;
    public FileSystemBlobStore Store { get; }
    public string ModelsDir { get; }
    public TestActivities Activities { get; }

    public static JobRetry FastRetry { get; } = new(3, TimeSpan.FromMilliseconds(1), 2.0, TimeSpan.FromMilliseconds(5));

    public string File(string name) => _dir.File(name);

    /// <summary>Writes descriptor files for a job's inputs (in the temp folder, not yet in the store).</summary>
    public JobRequest Request(VideoDescriptor video, AudioDescriptor? audio, JobOptions? options = null, PortraitDescriptor? portrait = null)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var p = _dir.File($"portrait-{tag}.json");
        var v = _dir.File($"video-{tag}.json");
        System.IO.File.WriteAllText(p, JsonSerializer.Serialize(portrait ?? new PortraitDescriptor(), WorkflowJson.Options));
        System.IO.File.WriteAllText(v, JsonSerializer.Serialize(video, WorkflowJson.Options));
        string? a = null;
        if (audio is not null)
        {
            a = _dir.File($"audio-{tag}.json");
            System.IO.File.WriteAllText(a, JsonSerializer.Serialize(audio, WorkflowJson.Options));
        }
        return new JobRequest { Portrait = p, Video = v, Audio = a, Models = ModelsDir, Options = options ?? new JobOptions() };
    }

    /// <summary>Stages the request's inputs into the store under a fixed job id and returns the workflow input.</summary>
    public async Task<DubJobInput> StageAsync(string jobId, JobRequest request, CancellationToken ct)
    {
        async Task<string> Put(JobInputRole role, string path)
        {
            var name = BlobNames.Input(jobId, role, path);
            await Store.WriteFileAsync(name, path, cancellationToken: ct);
            return name;
        }
        var inputs = new JobInputBlobs(
            await Put(JobInputRole.Portrait, request.Portrait),
            await Put(JobInputRole.Video, request.Video),
            request.Audio is null ? null : await Put(JobInputRole.Audio, request.Audio));
        return new DubJobInput(jobId, inputs, ModelsDir, request.Options, FastRetry);
    }

    public LocalWorkflowExecutor Executor(LocalExecutorOptions? options = null, OrchestratorCatalog? catalog = null) =>
        new(Activities.Registry(), catalog, options ?? new LocalExecutorOptions { MaxParallelActivities = 4 });

    public void Dispose() => _dir.Dispose();
}

/// <summary>An orchestrator written as a function, for executor tests (the SDK's registry has the same for its engines).</summary>
public sealed class FuncOrchestrator<TInput, TOutput>(Func<Microsoft.DurableTask.TaskOrchestrationContext, TInput, Task<TOutput>> run)
    : Microsoft.DurableTask.TaskOrchestrator<TInput, TOutput>
{
    public override Task<TOutput> RunAsync(Microsoft.DurableTask.TaskOrchestrationContext context, TInput input) => run(context, input);
}
