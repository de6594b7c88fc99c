using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Core.Activities;

/// <summary>Metadata keys of the prepared blobs, so a reused blob reports what making it found.</summary>
public static class PreparedMetadata
{
    public const string FacesFound = "faces_found";
    public const string ReferenceFrame = "reference_frame";
    public const string FeatureCount = "feature_count";
    public const string MouthDrive = "mouth_drive";
    public const string Frames = "frames";
}

/// <summary>
/// PrepareSource: the portrait's face, detected, aligned and VQ-encoded once; for self-driven jobs also the
/// lip syncer's reference (the clip's first face, swapped). Stored together as work/source-latent.bin.
/// </summary>
public sealed class PrepareSourceActivity(PipelineServices services) : IActivity<PrepareSourceInput, PrepareSourceResult>
{
    public async Task<PrepareSourceResult> RunAsync(PrepareSourceInput input, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var store = services.Store;
        var plan = input.PlanBlob is null ? null : await store.ReadJsonAsync<JobPlan>(input.PlanBlob, cancellationToken: cancellationToken);
        if (plan is { Engine: DubEngine.Geometric }) return await PrepareGeometricAsync(input, plan, watch, cancellationToken);
        var name = BlobNames.SourceLatent(input.JobId);
        var produced = await store.ProduceOnceAsync(name, async (PendingBlob pending, CancellationToken ct) =>
        {
            var models = services.Models(services.ModelsFor(input.ModelsDir));
            var clock = new StageClock(input.JobId);
            PortraitFace face;
            await using (var portrait = await store.GetLocalFileAsync(input.PortraitBlob, ct))
                face = await new PortraitStage(models).EncodeAsync(portrait.LocalPath, input.FaceSelection, clock, ct);

            ReferenceFace? reference = null;
            if (plan is not null && input.VideoBlob is not null && plan.Mode == JobMode.SelfDriven)
            {
                await using var video = await store.GetLocalFileAsync(input.VideoBlob, ct);
                Media.MediaInfo info;
                using (clock.Measure(PipelineStages.Probe))
                    info = await services.ProbeVideoAsync(video.LocalPath, ct);
                reference = await new ReferenceFrameStage(services.Media, models).FindAsync(info, input.FaceSelection, face.Latent, clock, ct);
            }

            var latent = models.Latent.Manifest.Latent;
            await using (var file = new FileStream(pending.LocalPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                await new SourceLatents(latent.Channels, latent.Height, latent.Width, face.Latent, reference?.Latent).WriteAsync(file, ct);
            pending.Metadata[PreparedMetadata.FacesFound] = face.FacesFound.ToString(CultureInfo.InvariantCulture);
            if (reference is not null) pending.Metadata[PreparedMetadata.ReferenceFrame] = reference.Frame.ToString(CultureInfo.InvariantCulture);
        }, new BlobWriteOptions { ContentType = "application/octet-stream" },
            reuseIf: p => p.Metadata.ContainsKey(PreparedMetadata.FacesFound), cancellationToken);

        var meta = produced.Properties.Metadata;
        return new PrepareSourceResult(name, int.Parse(meta[PreparedMetadata.FacesFound], CultureInfo.InvariantCulture), produced.Reused,
            watch.Elapsed.TotalSeconds,
            meta.TryGetValue(PreparedMetadata.ReferenceFrame, out var r) ? long.Parse(r, CultureInfo.InvariantCulture) : null);
    }

    /// <summary>
    /// The geometric engine's source (work/source-face.bin): the portrait checked and cut to its face, and for
    /// cross-driven jobs the mouth bank from the target video.
    /// </summary>
    private async Task<PrepareSourceResult> PrepareGeometricAsync(PrepareSourceInput input, JobPlan plan, Stopwatch watch, CancellationToken cancellationToken)
    {
        var store = services.Store;
        var name = BlobNames.SourceFace(input.JobId);
        var produced = await store.ProduceOnceAsync(name, async (PendingBlob pending, CancellationToken ct) =>
        {
            var models = services.Models(services.ModelsFor(input.ModelsDir));
            var clock = new StageClock(input.JobId);
            await using var portrait = await store.GetLocalFileAsync(input.PortraitBlob, ct);
            LocalBlobFile? video = null;
            try
            {
                Media.MediaInfo? info = null;
                if (plan.Mode == JobMode.CrossDriven && input.VideoBlob is not null)
                {
                    video = await store.GetLocalFileAsync(input.VideoBlob, ct);
                    using (clock.Measure(PipelineStages.Probe))
                        info = await services.ProbeVideoAsync(video.LocalPath, ct);
                }
                using var source = await new GeometricSourceStage(services.Media, models).PrepareAsync(portrait.LocalPath, input.FaceSelection, info, clock, ct);
                await using (var file = new FileStream(pending.LocalPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                    await source.WriteAsync(file, ct);
                pending.Metadata[PreparedMetadata.FacesFound] = source.FacesFound.ToString(CultureInfo.InvariantCulture);
            }
            finally
            {
                if (video is not null) await video.DisposeAsync();
            }
        }, new BlobWriteOptions { ContentType = "application/octet-stream" },
            reuseIf: p => p.Metadata.ContainsKey(PreparedMetadata.FacesFound), cancellationToken);
        return new PrepareSourceResult(name, int.Parse(produced.Properties.Metadata[PreparedMetadata.FacesFound], CultureInfo.InvariantCulture),
            produced.Reused, watch.Elapsed.TotalSeconds);
    }
}

/// <summary>PrepareAudioFeatures: the driving audio's speech features over the whole track, once (work/audio-features.bin).</summary>
public sealed class PrepareAudioFeaturesActivity(PipelineServices services) : IActivity<PrepareAudioFeaturesInput, PrepareAudioFeaturesResult>
{
    public async Task<PrepareAudioFeaturesResult> RunAsync(PrepareAudioFeaturesInput input, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var store = services.Store;
        var name = BlobNames.AudioFeatures(input.JobId);
        var produced = await store.ProduceOnceAsync(name, async (PendingBlob pending, CancellationToken ct) =>
        {
            var models = services.Models(services.ModelsFor(input.ModelsDir));
            var clock = new StageClock(input.JobId);
            AudioFeatureSummary summary;
            var visemes = input.Engine == DubEngine.Geometric ? Engines.Geometric.Mouth.VisemeModels.Load(models.Catalog.Directory) : null;
            await using (var audio = await store.GetLocalFileAsync(input.AudioBlob, ct))
                summary = input.Engine == DubEngine.Geometric
                    ? await new MouthDriveStage(services.Media.Tools, models.Catalog.Manifest.LipSyncWindow, visemes).ExtractAsync(audio.LocalPath, pending.LocalPath, clock, ct)
                    : await new AudioFeatureStage(services.Media.Tools, models.Latent, services.Options.AudioChunking)
                        .ExtractAsync(audio.LocalPath, pending.LocalPath, clock, ct);
            pending.Metadata[PreparedMetadata.FeatureCount] = summary.FeatureCount.ToString(CultureInfo.InvariantCulture);
            if (input.Engine == DubEngine.Geometric)
                pending.Metadata[PreparedMetadata.MouthDrive] = visemes is null
                    ? $"mouth: loudness only (no viseme model: {Engines.Geometric.Mouth.VisemeModel.FileName} not in the models folder's visemes/ nor ${Engines.Geometric.Mouth.VisemeModel.PathVariable})"
                    : string.Create(CultureInfo.InvariantCulture, $"mouth: visemes (HeadAudio) and loudness, the generic viseme map; viseme front end {clock.SecondsOf(PipelineStages.Visemes):0.000} s of work for {summary.Seconds:0.0} s of speech");
        }, new BlobWriteOptions { ContentType = "application/octet-stream" },
            reuseIf: p => p.Metadata.ContainsKey(PreparedMetadata.FeatureCount), cancellationToken);

        var count = long.Parse(produced.Properties.Metadata[PreparedMetadata.FeatureCount], CultureInfo.InvariantCulture);
        return new PrepareAudioFeaturesResult(name, (int)Math.Min(int.MaxValue, count), produced.Reused, watch.Elapsed.TotalSeconds,
            produced.Properties.Metadata.TryGetValue(PreparedMetadata.MouthDrive, out var mouth) ? mouth : null);
    }
}

/// <summary>
/// RenderSegment: one planned segment's frames, face-swapped and lip-synced (<see cref="SegmentRenderer"/>), written
/// as work/segments/{index:D5}.mkv (lossless) or .mp4 (H.264). Produced once: a segment blob carrying its frame
/// counts is reused by a resumed or retried job without rendering again.
/// </summary>
public sealed class RenderSegmentActivity(PipelineServices services) : IActivity<RenderSegmentInput, RenderSegmentResult>
{
    public async Task<RenderSegmentResult> RunAsync(RenderSegmentInput input, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var store = services.Store;
        var plan = await store.ReadJsonAsync<JobPlan>(input.PlanBlob, cancellationToken: cancellationToken);
        var segment = plan.Segment(input.SegmentIndex);
        var name = SegmentMetadata.BlobName(input.JobId, input.SegmentIndex, plan.Quality);
        IReadOnlyList<StageTime>? stages = null;

        var produced = await store.ProduceOnceAsync(name, async (PendingBlob pending, CancellationToken ct) =>
        {
            var models = services.Models(services.ModelsFor(input.ModelsDir));
            var clock = new StageClock(input.JobId, input.SegmentIndex);
            // The plan's engine decides what the source blob holds: the portrait's latent, or its face for the geometric warp.
            SourceLatents? latents = null;
            GeometricSource? geometric = null;
            await using (var stream = await store.OpenReadAsync(input.SourceLatentBlob, ct))
                if (plan.Engine == DubEngine.Geometric) geometric = await GeometricSource.ReadAsync(stream, input.SourceLatentBlob, ct);
                else latents = await SourceLatents.ReadAsync(stream, input.SourceLatentBlob, ct);
            using var geometricOwner = geometric;
            var audio = await ReadAudioAsync(plan, segment, models.Catalog.Manifest.LipSyncWindow, input.AudioFeaturesBlob, ct);

            await using var video = await store.GetLocalFileAsync(input.VideoBlob, ct);
            Media.MediaInfo info;
            using (clock.Measure(PipelineStages.Probe))
                info = await services.ProbeVideoAsync(video.LocalPath, ct);
            var encoding = plan.Quality.Lossless ? VideoEncoding.Lossless : VideoEncoding.H264(plan.Quality.Crf, plan.Quality.Preset);
            var job = new SegmentRenderJob(input.JobId, plan, segment, info, latents, audio, input.FaceSelection, encoding, geometric);
            var renderer = new SegmentRenderer(services.Media, models,
                new RenderOptions { BatchSize = services.Options.BatchSize, ScratchDirectory = services.Options.ScratchDirectory });
            var rendered = await renderer.RenderAsync(job, pending.LocalPath, clock, ct);
            stages = rendered.Stages;
            pending.Metadata[SegmentMetadata.Frames] = rendered.Frames.ToString(CultureInfo.InvariantCulture);
            pending.Metadata[SegmentMetadata.FramesWithFace] = rendered.FramesWithFace.ToString(CultureInfo.InvariantCulture);
            pending.Metadata[SegmentMetadata.RenderSeconds] = watch.Elapsed.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            if (services.Options.WorkerName is { } worker) pending.Metadata[SegmentMetadata.Worker] = worker;
        }, new BlobWriteOptions { ContentType = plan.Quality.Lossless ? "video/x-matroska" : "video/mp4" },
            reuseIf: p => p.Metadata.ContainsKey(SegmentMetadata.Frames) && p.Metadata.ContainsKey(SegmentMetadata.FramesWithFace),
            cancellationToken);

        var meta = produced.Properties.Metadata;
        var frames = int.Parse(meta[SegmentMetadata.Frames], CultureInfo.InvariantCulture);
        var withFace = int.Parse(meta[SegmentMetadata.FramesWithFace], CultureInfo.InvariantCulture);
        services.Loggers.CreateLogger("SwapTalk.Pipeline").LogInformation(
            "{JobId} segment {Segment}: {Frames} frames, {WithFace} with a face, {Outcome} in {Seconds:0.00} s",
            input.JobId, input.SegmentIndex, frames, withFace, produced.Reused ? "reused" : "rendered", watch.Elapsed.TotalSeconds);
        var tags = SwapTalkTelemetry.JobTags(input.JobId, input.SegmentIndex);
        tags.Add(SwapTalkTelemetry.Tags.Reused, produced.Reused);
        SwapTalkTelemetry.FramesRendered.Add(frames, tags);
        SwapTalkTelemetry.FramesWithFace.Add(withFace, tags);
        SwapTalkTelemetry.SegmentsRendered.Add(1, tags);
        return new RenderSegmentResult(input.SegmentIndex, name, frames, withFace, produced.Reused, watch.Elapsed.TotalSeconds,
            stages?.OrderBy(s => StageOrder(s.Stage)).Select(s => new StageTiming(s.Stage, s.Seconds, s.Seconds, s.Calls)).ToArray(),
            meta.GetValueOrDefault(SegmentMetadata.Worker));
    }

    /// <summary>Stages in pipeline order (probe, then decode .. write), others after.</summary>
    private static int StageOrder(string stage)
    {
        if (stage == PipelineStages.Probe) return -1;
        var i = PipelineStages.Render.ToList().IndexOf(stage);
        return i < 0 ? int.MaxValue : i;
    }

    /// <summary>Only the feature rows this segment's frames look at.</summary>
    private async Task<SegmentAudio> ReadAudioAsync(JobPlan plan, SegmentSpec segment, Models.AudioWindow window, string blob, CancellationToken cancellationToken)
    {
        await using var stream = await services.Store.OpenReadAsync(blob, cancellationToken);
        var info = await AudioFeatureFile.ReadHeaderAsync(stream, blob, cancellationToken);
        var (start, end) = SegmentRenderer.AudioRows(plan, segment, window, info.Count);
        var (rows, first) = await AudioFeatureFile.ReadRowsAsync(stream, info, start, end, blob, cancellationToken);
        return new SegmentAudio(rows, first, info.Count, info.Dim);
    }
}

/// <summary>
/// Stitch: the segments concatenated in order by stream copy, the driving audio muxed to AAC with the plan's
/// policy (always the video's length: the plan already applied the job's length policy to the frames), as the job's
/// output blob: H.264/AAC MP4, or Matroska for lossless jobs. Checks that the output has exactly the planned frames.
/// </summary>
public sealed class StitchActivity(PipelineServices services) : IActivity<StitchInput, StitchResult>
{
    public async Task<StitchResult> RunAsync(StitchInput input, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var store = services.Store;
        var plan = await store.ReadJsonAsync<JobPlan>(input.PlanBlob, cancellationToken: cancellationToken);
        if (input.SegmentCount != plan.Segments.Count)
            throw new InvalidOperationException($"stitch was asked for {input.SegmentCount} segments, the plan has {plan.Segments.Count}");
        var name = Path.ChangeExtension(input.OutputBlob, plan.Quality.OutputExtension);
        var clock = new StageClock(input.JobId);

        var produced = await store.ProduceOnceAsync(name, async (PendingBlob pending, CancellationToken ct) =>
        {
            var locals = new List<LocalBlobFile>();
            try
            {
                for (var i = 0; i < plan.Segments.Count; i++)
                    locals.Add(await store.GetLocalFileAsync(SegmentMetadata.BlobName(input.JobId, i, plan.Quality), ct));
                locals.Add(await store.GetLocalFileAsync(input.AudioBlob, ct));
                var audio = locals[^1].LocalPath;
                var segments = locals.Take(plan.Segments.Count).Select(l => l.LocalPath).ToArray();

                // The stitcher picks the container from the extension; a store's pending path may not keep it.
                var target = string.Equals(Path.GetExtension(pending.LocalPath), plan.Quality.OutputExtension, StringComparison.OrdinalIgnoreCase)
                    ? pending.LocalPath
                    : Path.Combine(services.Options.ScratchDirectory, $"stitch-{Guid.NewGuid():N}{plan.Quality.OutputExtension}");
                try
                {
                    Media.StitchResult stitched;
                    using (clock.Measure(PipelineStages.Stitch, plan.OutputFrameCount))
                        stitched = await services.Media.StitchAsync(segments, audio, target, ct);
                    if (stitched.VideoFrames != plan.OutputFrameCount)
                        throw new InvalidOperationException($"the stitched output has {stitched.VideoFrames} frames, the plan {plan.OutputFrameCount}");
                    if (target != pending.LocalPath) File.Move(target, pending.LocalPath);
                    pending.Metadata[PreparedMetadata.Frames] = stitched.VideoFrames.ToString(CultureInfo.InvariantCulture);
                }
                finally
                {
                    if (target != pending.LocalPath && File.Exists(target)) File.Delete(target);
                }
            }
            finally
            {
                foreach (var l in locals) await l.DisposeAsync();
            }
        }, new BlobWriteOptions { ContentType = plan.Quality.Lossless ? "video/x-matroska" : "video/mp4" },
            reuseIf: p => p.Metadata.ContainsKey(PreparedMetadata.Frames), cancellationToken);

        var frames = int.Parse(produced.Properties.Metadata[PreparedMetadata.Frames], CultureInfo.InvariantCulture);
        return new StitchResult(name, frames, plan.FrameRate.FrameSeconds(frames), watch.Elapsed.TotalSeconds);
    }
}
