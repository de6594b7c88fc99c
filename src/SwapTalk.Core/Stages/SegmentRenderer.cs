using System.Diagnostics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Core.Stages;

/// <summary>The audio feature rows a segment read: rows [First, First + count) of a track of <see cref="TrackFeatures"/>.</summary>
public sealed record SegmentAudio(float[] Rows, long First, long TrackFeatures, int Dim)
{
    public long Count => Rows.Length / Dim;
}

/// <summary>
/// Everything one segment's render needs, already loaded. <paramref name="Faces"/> is the plan's engine with its
/// prepared source: it changes the faces; <paramref name="Audio"/> holds the driving feature rows the segment reads.
/// </summary>
public sealed record SegmentRenderJob(
    string JobId,
    JobPlan Plan,
    SegmentSpec Segment,
    MediaInfo Video,
    ISegmentFaces Faces,
    SegmentAudio Audio,
    FaceSelection Selection,
    VideoEncoding Encoding);

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
        var batch = Math.Max(1, _options.BatchSize);
        var frameCount = segment.FrameCount;
        var withFace = 0;
        var buffers = new List<PixelBuffer>();
        IFaceBatchRenderer? faceRenderer = null;
        try
        {
            var frameBuffers = new PixelBuffer[Math.Min(batch, frameCount)];
            for (var b = 0; b < frameBuffers.Length; b++) buffers.Add(frameBuffers[b] = new PixelBuffer(video.Width, video.Height, ColorOrder.Bgr, pooled: true));
            faceRenderer = job.Faces.Begin(job, models, frameBuffers.Length);

            var opening = Stopwatch.GetTimestamp();
            await using var writer = media.OpenWriter(outputPath, new FrameWriterSettings(video.Width, video.Height, plan.FrameRate, job.Encoding, ColorOrder.Bgr), cancellationToken);
            clock.Add(PipelineStages.Write, Stopwatch.GetElapsedTime(opening), frames: 0);
            var faces = new List<BatchFace>(batch);
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
                    if (t.HasFace) faces.Add(new BatchFace(j, first + j, t));
                }
                if (faces.Count > 0) faceRenderer.Render(job, faces, frameBuffers, clock);
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
            faceRenderer?.Dispose();
        }
        return new RenderedSegment(frameCount, withFace, read, spill is not null, clock.Totals());
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
}
