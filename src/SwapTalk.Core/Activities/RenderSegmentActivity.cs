using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Engines;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Core.Activities;

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
            // The plan's engine reads its own source blob back and renders the faces.
            IEngineSource source;
            await using (var stream = await store.OpenReadAsync(input.SourceLatentBlob, ct))
                source = await services.Engines.Get(plan.Engine).ReadSourceAsync(stream, input.SourceLatentBlob, ct);
            using var sourceOwner = source;
            var audio = await ReadAudioAsync(plan, segment, models.Catalog.Manifest.LipSyncWindow, input.AudioFeaturesBlob, ct);

            await using var video = await store.GetLocalFileAsync(input.VideoBlob, ct);
            Media.MediaInfo info;
            using (clock.Measure(PipelineStages.Probe))
                info = await services.ProbeVideoAsync(video.LocalPath, ct);
            var encoding = plan.Quality.Lossless ? VideoEncoding.Lossless : VideoEncoding.H264(plan.Quality.Crf, plan.Quality.Preset);
            var job = new SegmentRenderJob(input.JobId, plan, segment, info, source, audio, input.FaceSelection, encoding);
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
