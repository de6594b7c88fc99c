using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Vision.Alignment;

namespace SwapTalk.Core.Stages;

/// <summary>The self-driven lip-sync reference: which source frame it came from, and its swapped latent.</summary>
public sealed record ReferenceFace(long Frame, float[] Latent);

/// <summary>
/// The lip syncer's reference for self-driven jobs (the paper's policy): the swapped first frame of the clip, i.e.
/// its first frame with a face. Computed once per job so every segment uses the same one: the clip is tracked
/// from the start in short windows until a face appears (each window with the tracker's own context, so the
/// alignment is bit-identical to what the segment renderer computes for that frame), that frame is decoded again,
/// aligned, VQ-encoded and swapped with the source latent.
/// </summary>
public sealed class ReferenceFrameStage(MediaEngine media, PipelineModels models)
{
    /// <summary>Frames tracked per look; most clips show a face in the first one.</summary>
    public const int WindowFrames = 25;

    /// <returns>The reference, or null when no frame of the clip holds a face (then no frame is lip-synced either).</returns>
    public async Task<ReferenceFace?> FindAsync(MediaInfo video, FaceSelection selection, float[] sourceLatent, StageClock clock, CancellationToken cancellationToken)
    {
        var stream = video.RequireVideo();
        var tracker = models.Tracker(selection);
        using var scope = clock.Measure(PipelineStages.Reference);
        for (long start = 0; start < stream.FrameCount; start += WindowFrames)
        {
            var window = new FrameRange(start, Math.Min(stream.FrameCount, start + WindowFrames));
            var track = await tracker.TrackAsync(media, video, window, cancellationToken);
            var first = track.Items.FirstOrDefault(f => f.HasFace);
            if (first is null) continue;

            var latent = models.Latent;
            using var crop = new PixelBuffer(latent.ImageSize, latent.ImageSize, ColorOrder.Bgr, pooled: true);
            await foreach (var frame in media.ReadFramesAsync(video, new FrameRange(first.Index, first.Index + 1), new FrameReadOptions { Order = ColorOrder.Bgr }, cancellationToken))
                using (frame)
                    FfhqAlignment.Extract(frame.Image, first.Face!, crop);
            var target = AlignedMemory.Floats(latent.LatentValues);
            latent.Encode([crop], AlignedMemory.Floats(latent.ImageValues), target.Span);
            var swapped = new float[latent.LatentValues];
            latent.Swap(sourceLatent, target, 1, swapped, AlignedMemory.Floats(latent.LatentValues));
            return new ReferenceFace(first.Index, swapped);
        }
        return null;
    }
}
