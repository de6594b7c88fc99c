using System.Diagnostics;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Vision.Compositing;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Core.Stages;

/// <summary>The audio feature rows a segment read: rows [First, First + count) of a track of <see cref="TrackFeatures"/>.</summary>
public sealed record SegmentAudio(float[] Rows, long First, long TrackFeatures, int Dim)
{
    public long Count => Rows.Length / Dim;
}

/// <summary>
/// Everything one segment's render needs, already loaded. The engine: <paramref name="Geometric"/> set renders with the
/// geometric engine (portrait warp, mouth re-timed to <paramref name="Audio"/>'s loudness rows), else the latent
/// engine with <paramref name="Latents"/>.
/// </summary>
public sealed record SegmentRenderJob(
    string JobId,
    JobPlan Plan,
    SegmentSpec Segment,
    MediaInfo Video,
    SourceLatents? Latents,
    SegmentAudio Audio,
    FaceSelection Selection,
    VideoEncoding Encoding,
    GeometricSource? Geometric = null);

/// <summary>What a segment's render produced.</summary>
public sealed record RenderedSegment(int Frames, int FramesWithFace, FrameRange Read, bool Spilled, IReadOnlyList<StageTime> Stages);

/// <summary>How segments are rendered.</summary>
public sealed record RenderOptions
{
    /// <summary>Aligned faces per model run. 8 keeps a batch's tensors near 50 MB and amortises each run's overhead.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Where a ping-pong segment spills its decoded source frames (deleted when the segment is done).</summary>
    public string ScratchDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "swaptalk-scratch");

    public static RenderOptions Default { get; } = new();
}

/// <summary>
/// Renders one planned segment, streaming, with memory bounded by one batch whatever the segment's length:
/// <list type="number">
/// <item>Pass 1 reads the source frames the face tracker needs (the segment's source range plus the tracker's
/// context on each side, and at least the plan's read range) and feeds them to a <see cref="FaceTrackBuilder"/>,
/// which keeps points, not pixels. A segment whose output order is not monotonic (ping-pong) also spills its source
/// range to a scratch file here, so pass 2 never decodes twice or holds frames.</item>
/// <item>Pass 2 walks the output frames in batches: output frame i shows source frame plan.SourceFrameOf(i); faces
/// are aligned from the smoothed track, encoded, swapped with the source latent, lip-synced with the audio window of
/// frame i's presentation time (and the reference the mode asks for), decoded, pasted back, and each frame is
/// written in order. Frames without a face are written untouched.</item>
/// </list>
/// Deterministic: the same inputs give the same frames bit for bit, whatever the batch size or segment cut.
/// </summary>
public sealed class SegmentRenderer(MediaEngine media, PipelineModels models, RenderOptions? options = null)
{
    private readonly RenderOptions _options = options ?? RenderOptions.Default;

    /// <summary>
    /// The audio feature rows the segment's frames look at: from the first output frame's window start to the last
    /// one's window end, joined with the plan's span and clamped to the track.
    /// </summary>
    public static (long Start, long End) AudioRows(JobPlan plan, SegmentSpec segment, AudioWindow window, long trackFeatures)
    {
        var duration = plan.FrameRate.Inverse().Value;
        var first = window.OwnFeature(plan.FrameRate.FrameSeconds((int)segment.Output.Start), duration) - window.Center;
        var last = window.OwnFeature(plan.FrameRate.FrameSeconds((int)segment.Output.End - 1), duration) - window.Center + window.Length;
        var start = Math.Min(first, segment.AudioFeatureStart);
        var end = Math.Max(last, segment.AudioFeatureEnd);
        return (Math.Clamp(start, 0, trackFeatures), Math.Clamp(end, 0, trackFeatures));
    }

    public async Task<RenderedSegment> RenderAsync(SegmentRenderJob job, string outputPath, StageClock clock, CancellationToken cancellationToken)
    {
        var plan = job.Plan;
        var segment = job.Segment;
        var video = job.Video.RequireVideo();
        // A retry cannot fix a video that no longer matches its plan: bad input, not a transient failure.
        if (video.FrameCount != plan.SourceFrameCount)
            throw new BadInputException("video", $"'{job.Video.Path}' now has {video.FrameCount} frames, but the plan was made for {plan.SourceFrameCount}; the video changed after planning");
        if (video.Width != plan.Width || video.Height != plan.Height)
            throw new BadInputException("video", $"'{job.Video.Path}' is {video.Width}x{video.Height}, but the plan was made for {plan.Width}x{plan.Height}");

        var tracker = models.Tracker(job.Selection);
        using var builder = tracker.Begin(segment.Source, video.FrameCount);
        var read = new FrameRange(Math.Min(builder.Input.Start, segment.Read.Start), Math.Max(builder.Input.End, segment.Read.End));
        var spill = NeedsRandomAccess(plan, segment)
            ? new SpilledSourceFrames(_options.ScratchDirectory, segment.Source, video.Width, video.Height)
            : null;
        await using var spillOwner = spill;

        // Pass 1: the face track (points only), and the spill where output order needs it.
        // Decode waits and tracking work are timed apart (the tracker detects in batches inside Add).
        FaceTrack track;
        {
            var readOptions = new FrameReadOptions { Order = ColorOrder.Bgr };
            await using var frames = media.ReadFramesAsync(job.Video, read, readOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                var started = Stopwatch.GetTimestamp();
                var more = await frames.MoveNextAsync();
                clock.Add(PipelineStages.Decode, Stopwatch.GetElapsedTime(started));
                if (!more) break;
                using var frame = frames.Current;
                started = Stopwatch.GetTimestamp();
                builder.Add(frame);
                clock.Add(PipelineStages.Track, Stopwatch.GetElapsedTime(started));
                if (spill is not null && spill.Wants(frame.Index))
                {
                    started = Stopwatch.GetTimestamp();
                    spill.Append(frame);
                    clock.Add(PipelineStages.Decode, Stopwatch.GetElapsedTime(started), frames: 0);
                }
            }
            using (clock.Measure(PipelineStages.Track))
                track = builder.Build();
        }

        // Pass 2: render in batches, write in output order.
        ISourceFrames source = spill is not null ? spill : new StreamedSourceFrames(media, job.Video, segment.Source, clock);
        var geometric = job.Geometric is { } g ? new GeometricFaceRenderer(g) : null;
        var latent = geometric is null ? models.Latent : null;
        var batch = Math.Max(1, _options.BatchSize);
        var frameCount = segment.FrameCount;
        var withFace = 0;
        var buffers = new List<PixelBuffer>();
        BatchTensors? tensors = null;
        try
        {
            var frameBuffers = new PixelBuffer[Math.Min(batch, frameCount)];
            for (var b = 0; b < frameBuffers.Length; b++) buffers.Add(frameBuffers[b] = new PixelBuffer(video.Width, video.Height, ColorOrder.Bgr, pooled: true));
            var crops = new PixelBuffer[latent is null ? 0 : frameBuffers.Length];
            for (var b = 0; b < crops.Length; b++) buffers.Add(crops[b] = new PixelBuffer(latent!.ImageSize, latent.ImageSize, ColorOrder.Bgr, pooled: true));
            var batchState = latent is null ? null : new BatchTensors(latent, crops.Length);
            tensors = batchState;

            var opening = Stopwatch.GetTimestamp();
            await using var writer = media.OpenWriter(outputPath, new FrameWriterSettings(video.Width, video.Height, plan.FrameRate, job.Encoding, ColorOrder.Bgr), cancellationToken);
            clock.Add(PipelineStages.Write, Stopwatch.GetElapsedTime(opening), frames: 0);
            var faces = new List<(int Slot, int Output, FaceTrackFrame Track)>(batch);
            for (var first = (int)segment.Output.Start; first < segment.Output.End; first += batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = (int)Math.Min(batch, segment.Output.End - first);
                faces.Clear();
                for (var j = 0; j < count; j++)
                {
                    var sourceIndex = plan.SourceFrameOf(first + j);
                    await source.CopyAsync(sourceIndex, frameBuffers[j], cancellationToken);
                    var t = track[sourceIndex];
                    if (t.HasFace) faces.Add((j, first + j, t));
                }
                if (faces.Count > 0)
                {
                    if (geometric is not null) RenderGeometric(job, geometric, faces, frameBuffers, clock);
                    else RenderFaces(job, faces, frameBuffers, crops, batchState!, clock);
                }
                withFace += faces.Count;
                for (var j = 0; j < count; j++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await writer.WriteAsync(frameBuffers[j], cancellationToken);
                    clock.Add(PipelineStages.Write, Stopwatch.GetElapsedTime(started));
                }
                clock.Flush();
            }
            var finishing = Stopwatch.GetTimestamp();
            await writer.CompleteAsync(cancellationToken);
            clock.Add(PipelineStages.Write, Stopwatch.GetElapsedTime(finishing), frames: 0);
        }
        finally
        {
            if (spill is null) await source.DisposeAsync();
            foreach (var b in buffers) b.Dispose();
            tensors?.Dispose();
        }
        return new RenderedSegment(frameCount, withFace, read, spill is not null, clock.Totals());
    }

    /// <summary>
    /// The geometric engine on one batch (frames changed in place): cross-driven, each face's mouth opens by its output
    /// frame's loudness; self-driven, the target's own mouth motion stays.
    /// </summary>
    private void RenderGeometric(SegmentRenderJob job, GeometricFaceRenderer renderer, List<(int Slot, int Output, FaceTrackFrame Track)> faces,
        PixelBuffer[] frames, StageClock clock)
    {
        var window = models.Catalog.Manifest.LipSyncWindow;
        var crossDriven = job.Plan.Mode == JobMode.CrossDriven;
        if (crossDriven && job.Audio.Dim != MouthDriveStage.Dim && job.Audio.Dim != MouthDriveStage.VisemeDim)
            throw new InvalidOperationException($"audio features have {job.Audio.Dim} values per row; the geometric engine reads {MouthDriveStage.Dim} (loudness) or {MouthDriveStage.VisemeDim} (loudness and visemes)");
        using (clock.Measure(PipelineStages.Swap, faces.Count))
            foreach (var (slot, output, track) in faces)
            {
                var pose = crossDriven ? Engines.Geometric.Mouth.MouthPoses.Of(job.Audio, window, job.Plan.FrameRate, output, renderer.Style)
                    : Engines.Geometric.Mouth.MouthPoses.Own(track.RawLandmarks ?? track.Landmarks!, track.Landmarks!, renderer.Style);
                renderer.Render(frames[slot], track.Landmarks!, pose);
            }
    }

    /// <summary>Align, encode, swap, sync, decode and paste the faces of one batch (frames changed in place).</summary>
    private void RenderFaces(SegmentRenderJob job, List<(int Slot, int Output, FaceTrackFrame Track)> faces, PixelBuffer[] frames,
        PixelBuffer[] crops, BatchTensors tensors, StageClock clock)
    {
        var latent = models.Latent;
        var n = faces.Count;
        var lv = latent.LatentValues;
        var used = crops.AsSpan(0, n).ToArray();

        using (clock.Measure(PipelineStages.Align, n))
            for (var m = 0; m < n; m++)
                Vision.Alignment.FfhqAlignment.Extract(frames[faces[m].Slot], faces[m].Track.Face!, used[m]);

        using (clock.Measure(PipelineStages.Encode, n))
            latent.Encode(used, tensors.Images, tensors.Targets.Span[..(n * lv)]);

        using (clock.Measure(PipelineStages.Swap, n))
            latent.Swap(job.Latents!.Source, tensors.Targets, n, tensors.Swapped.Span[..(n * lv)], tensors.Sources);

        using (clock.Measure(PipelineStages.Sync, n))
        {
            // Reference (paper): cross-driven, the swapped target itself; self-driven, the clip's swapped first face.
            var reference = job.Plan.Mode == JobMode.SelfDriven ? job.Latents!.Reference : null;
            for (var m = 0; m < n; m++)
            {
                var slice = tensors.References.Span.Slice(m * lv, lv);
                if (reference is not null) reference.CopyTo(slice);
                else tensors.Swapped.Span.Slice(m * lv, lv).CopyTo(slice);
            }
            FillAudio(job, faces, tensors.Audio);
            latent.SyncLips(tensors.Swapped, tensors.References, tensors.Audio, n);
        }

        using (clock.Measure(PipelineStages.DecodeVq, n))
            latent.Decode(tensors.Swapped, used);

        using (clock.Measure(PipelineStages.Paste, n))
            for (var m = 0; m < n; m++)
                PasteBack.Run(frames[faces[m].Slot], used[m], models.Mask, faces[m].Track.Face!);
    }

    /// <summary>Each face's audio window from its output frame's presentation time (zeros beyond the track's ends).</summary>
    private void FillAudio(SegmentRenderJob job, List<(int Slot, int Output, FaceTrackFrame Track)> faces, Memory<float> windows)
    {
        var window = models.Latent.Window;
        var audio = job.Audio;
        if (audio.Dim != window.FeatureDim)
            throw new InvalidOperationException($"audio features have {audio.Dim} values per row; the lip syncer wants {window.FeatureDim}");
        var rate = job.Plan.FrameRate;
        var duration = rate.Inverse().Value;
        var size = window.Length * window.FeatureDim;
        for (var m = 0; m < faces.Count; m++)
        {
            var indices = window.Indices(rate.FrameSeconds(faces[m].Output), duration, audio.TrackFeatures);
            var dst = windows.Span.Slice(m * size, size);
            for (var w = 0; w < window.Length; w++)
            {
                var row = dst.Slice(w * window.FeatureDim, window.FeatureDim);
                var index = indices[w];
                if (index < 0) { row.Clear(); continue; }
                var local = index - audio.First;
                if (local < 0 || local >= audio.Count)
                    throw new InvalidOperationException($"output frame {faces[m].Output} needs audio feature {index}, outside the rows read [{audio.First}, {audio.First + audio.Count})");
                audio.Rows.AsSpan((int)(local * audio.Dim), audio.Dim).CopyTo(row);
            }
        }
    }

    /// <summary>True when the segment shows source frames out of order (ping-pong's backward runs).</summary>
    internal static bool NeedsRandomAccess(JobPlan plan, SegmentSpec segment)
    {
        var previous = -1;
        for (var i = (int)segment.Output.Start; i < segment.Output.End; i++)
        {
            var s = plan.SourceFrameOf(i);
            if (s < previous) return true;
            previous = s;
        }
        return false;
    }

    /// <summary>
    /// The float tensors of one batch (about 57 MB at batch 8), each on a 64-byte boundary (see <see cref="AlignedMemory"/>),
    /// in native memory freed when the segment ends: pinned or large managed arrays would wait for a full collection, and a
    /// long job's footprint would creep up with its segment count.
    /// </summary>
    private sealed class BatchTensors(LatentModels latent, int batch) : IDisposable
    {
        private readonly NativeFloats _images = new(batch * latent.ImageValues);
        private readonly NativeFloats _targets = new(batch * latent.LatentValues);
        private readonly NativeFloats _sources = new(batch * latent.LatentValues);
        private readonly NativeFloats _swapped = new(batch * latent.LatentValues);
        private readonly NativeFloats _references = new(batch * latent.LatentValues);
        private readonly NativeFloats _audio = new(batch * latent.Window.Length * latent.Window.FeatureDim);

        public Memory<float> Images => _images.Memory;
        public Memory<float> Targets => _targets.Memory;
        public Memory<float> Sources => _sources.Memory;
        public Memory<float> Swapped => _swapped.Memory;
        public Memory<float> References => _references.Memory;
        public Memory<float> Audio => _audio.Memory;

        public void Dispose()
        {
            foreach (var b in new IDisposable[] { _images, _targets, _sources, _swapped, _references, _audio }) b.Dispose();
        }
    }
}
